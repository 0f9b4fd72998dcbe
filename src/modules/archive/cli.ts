import type { Command } from 'commander';
import { auditAlone, type AuditActor } from '../../infra/audit/audit.js';
import type { Platform } from '../../platform.js';
import { ArchiveBusyError, moveDueCases } from './move.js';

/** `civicgrid archive …`: the archive store. */
export function registerArchiveCommands(program: Command, deps: { withPlatform<T>(fn: (p: Platform) => Promise<T>): Promise<T>; actor: () => AuditActor }): void {
  const archive = program.command('archive').description('the archive store (closed cases past an age, still findable)');
  archive
    .command('move')
    .description('move closed, rejected and merged cases unchanged for DAYS days into the archive store, in batches; resumable, safe to run again or beside the server (one run at a time)')
    .option('--older-than <days>', 'age in days (default: the archiveAfterDays setting, CIVICGRID_ARCHIVE_AFTER_DAYS)')
    .option('--batch <n>', 'cases per batch', '1000')
    .option('--max-batches <n>', 'stop after this many batches (the next run goes on)')
    .action(async (opts: { olderThan?: string; batch: string; maxBatches?: string }) => {
      await deps.withPlatform(async (p) => {
        const olderThanDays = opts.olderThan === undefined ? p.config.archiveAfterDays : Number(opts.olderThan);
        const batch = Number(opts.batch);
        const maxBatches = opts.maxBatches === undefined ? undefined : Number(opts.maxBatches);
        if (!Number.isInteger(olderThanDays) || olderThanDays < 0) throw new Error(`--older-than must be a whole number of days ≥ 0, got ${opts.olderThan}`);
        if (!Number.isInteger(batch) || batch < 1) throw new Error(`--batch must be a whole number ≥ 1, got ${opts.batch}`);
        if (maxBatches !== undefined && (!Number.isInteger(maxBatches) || maxBatches < 1)) throw new Error(`--max-batches must be a whole number ≥ 1, got ${opts.maxBatches}`);
        try {
          const result = await moveDueCases(p.db, p.archive, {
            olderThanDays, batch, ...(maxBatches !== undefined ? { maxBatches } : {}),
            onBatch: (r) => process.stderr.write(`\rarchive move: ${r.moved} cases moved in ${r.batches} batches`),
          });
          process.stderr.write('\n');
          await auditAlone(p.db.primary, deps.actor(), { action: 'archive.move', objectType: 'archive', details: { ...result, olderThanDays } });
          console.log(`moved ${result.moved} cases (${result.events} events, ${result.files} file links) in ${result.batches} batches; ${result.kept} changed meanwhile and stayed; settled from an earlier run: ${result.settled.confirmed} confirmed, ${result.settled.dropped} dropped`);
        } catch (err) {
          if (err instanceof ArchiveBusyError) {
            console.error('another archive move is running (lease archive-move); try again when it ends');
            process.exitCode = 3;
            return;
          }
          throw err;
        }
      });
    });
}
