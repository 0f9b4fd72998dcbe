import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/infra/http/app.js';
import { PUBLIC } from '../../src/infra/http/policy.js';

/**
 * The server's log at its default level (info) carries no line per request,
 * so the start-up banner and the warnings are not buried (issue 15 item 8);
 * at debug every request is there, and a failing request is an error at any level.
 */
async function linesAt(level: 'info' | 'debug'): Promise<{ msg: string; level: number }[]> {
  const lines: { msg: string; level: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { msg: string; level: number });
      done();
    },
  });
  const { app } = await createHttpApp({ logger: pino({ level }, sink), bodyLimitBytes: 1024, authenticate: async () => null, version: 'test' });
  app.get('/fine', { config: { policy: PUBLIC } }, async () => ({ ok: true }));
  app.get('/boom', { config: { policy: PUBLIC } }, async () => {
    throw new Error('boom');
  });
  await app.ready();
  await app.inject({ url: '/fine' });
  await app.inject({ url: '/boom' });
  await app.close();
  return lines;
}

describe('request logging', () => {
  it('logs requests at debug, not at the default info level', async () => {
    const info = await linesAt('info');
    expect(info.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed')).toEqual([]);
    const debug = await linesAt('debug');
    expect(debug.filter((l) => l.msg === 'incoming request').length).toBe(2);
    expect(debug.filter((l) => l.msg === 'request completed').length).toBeGreaterThanOrEqual(1);
    // pino's error level is 50: a failing request is logged at info as well.
    expect(info.some((l) => l.level >= 50 && /boom/.test(JSON.stringify(l)))).toBe(true);
  });
});
