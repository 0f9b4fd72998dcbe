import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_ACCOUNT_NAMES } from '../../src/modules/demo/load.js';

/** The README's table of demo accounts lists exactly the accounts the demo creates and the server prints, in that order. */
describe('demo accounts in the README', () => {
  it('match the demo loader', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('| account | role | scope |');
    expect(start).toBeGreaterThan(0);
    // The table runs to the first line that is not a table row.
    const lines = readme.slice(start).split('\n').slice(2);
    const rows = lines.slice(0, lines.findIndex((l) => !l.startsWith('|')));
    expect(rows.map((l) => /^\| `([^`]+)`/.exec(l)![1])).toEqual([...DEMO_ACCOUNT_NAMES]);
  });
});
