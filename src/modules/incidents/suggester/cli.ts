import type { Command } from 'commander';
import type { AuditActor } from '../../../infra/audit/audit.js';
import type { Platform } from '../../../platform.js';

/** `civicgrid suggest …`: the category suggester. */
export function registerSuggestCommands(program: Command, deps: { withPlatform<T>(fn: (p: Platform) => Promise<T>): Promise<T>; actor: () => AuditActor }): void {
  const suggest = program.command('suggest').description('the category suggester (minor category from the description)');
  suggest
    .command('train')
    .description('retrain the suggester from the registered cases (the server also retrains daily)')
    .action(async () => {
      await deps.withPlatform(async (p) => {
        const r = await p.suggester.train(deps.actor(), 'command');
        if (!r) {
          console.error('no registered cases with a category yet: nothing to learn from');
          process.exitCode = 2;
          return;
        }
        console.log(`trained on ${r.samples} cases: ${r.labels} categories, ${r.vocabulary} n-grams, ${r.ms} ms (model ${r.id})`);
      });
    });
}
