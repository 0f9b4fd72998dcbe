import { describe, expect, it } from 'vitest';
import { retryDeadlocks } from './database.js';

const deadlock = () => Object.assign(new Error('Deadlock found when trying to get lock'), { errno: 1213, code: 'ER_LOCK_DEADLOCK' });

describe('deadlock retry', () => {
  it('runs a deadlocked transaction again until it succeeds', async () => {
    let calls = 0;
    const result = await retryDeadlocks(async () => {
      calls++;
      if (calls < 3) throw deadlock();
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up after the last attempt and passes other errors straight through', async () => {
    let calls = 0;
    await expect(retryDeadlocks(async () => {
      calls++;
      throw deadlock();
    }, 3)).rejects.toMatchObject({ errno: 1213 });
    expect(calls).toBe(3);
    calls = 0;
    await expect(retryDeadlocks(async () => {
      calls++;
      throw Object.assign(new Error('duplicate'), { errno: 1062 });
    })).rejects.toThrow('duplicate');
    expect(calls).toBe(1);
  });
});
