import type { Command } from 'commander';
import { auditAlone, type AuditActor } from '../../infra/audit/audit.js';
import type { Platform } from '../../platform.js';
import { progressLine } from '../demo/progress.js';

/** `civicgrid stats …`: the statistics store. */
export function registerStatsCommands(program: Command, deps: { withPlatform<T>(fn: (p: Platform) => Promise<T>): Promise<T>; actor: () => AuditActor }): void {
  const stats = program.command('stats').description('the statistics store (rollups kept from the incident timeline)');
  stats
    .command('rebuild')
    .description('recompute every rollup from the incident timeline; safe to run again (stop the server meanwhile: its consumer would race the rebuild)')
    .action(async () => {
      await deps.withPlatform(async (p) => {
        const progress = progressLine('stats rebuild');
        const result = await p.statistics.rebuild((done, total) => progress.update(done, total, 0));
        progress.done();
        await auditAlone(p.db.primary, deps.actor(), { action: 'stats.rebuild', objectType: 'statistics', details: result });
        console.log(`rebuilt the statistics store: ${result.cases} cases, ${result.events} events, ${result.rows} rollup rows`);
      });
    });
  stats
    .command('catch-up')
    .description('apply the timeline events the statistics store has not seen yet, then stop')
    .action(async () => {
      await deps.withPlatform(async (p) => {
        await p.statistics.catchUp();
        const s = p.statistics.consumer.stats();
        console.log(`statistics store at event ${s.high}: ${s.applied} events applied, ${s.gaps} ids held as gaps`);
      });
    });
}
