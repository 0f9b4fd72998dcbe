import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

interface LockPackage {
  engines?: Record<string, string> | string[];
  dev?: boolean;
}

/** The oldest Node.js the README promises. */
const PROMISED_NODE = '20.19.0';

describe('package engines', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, LockPackage> };

  it('promises the Node.js version the README names', () => {
    expect(semver.minVersion(pkg.engines.node)?.version).toBe(PROMISED_NODE);
  });

  it('installs no package that refuses that Node.js (npm would warn EBADENGINE)', () => {
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (!path || Array.isArray(entry.engines)) continue;
      const range = entry.engines?.node;
      if (range && !semver.satisfies(PROMISED_NODE, range)) refusing.push(`${path.replace(/^.*node_modules\//, '')} wants node ${range}`);
    }
    expect(refusing).toEqual([]);
  });
});
