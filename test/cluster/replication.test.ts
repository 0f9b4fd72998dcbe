import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterScript, connect, createDatabase, openClusterApp, REPLICATION, server, somePosition, waitFor, type ClusterApp } from './support.js';

/**
 * A real GTID primary and replica (scripts/cluster/replication.sh): the
 * writer reads its own writes while the replica lags, the others' lists are
 * served by the replica, and when the replica stops the platform writes and
 * reads on the primary.
 */
describe('primary and replica', () => {
  const name = `cg_repl_${process.pid}`;
  let t: ClusterApp;
  let primary: Connection;
  let replica: Connection;
  let operator: string;
  let dispatcher: string;
  let position: Awaited<ReturnType<typeof somePosition>>;

  const caughtUp = async () => {
    const [[p]] = (await primary.query('SELECT @@gtid_binlog_pos AS pos')) as unknown as [[{ pos: string }]];
    const [[r]] = (await replica.query('SELECT @@gtid_slave_pos AS pos')) as unknown as [[{ pos: string }]];
    return p!.pos === r!.pos;
  };
  const report = async (description: string) => {
    const res = await t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: { channel: 'operator_phone', description, position } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().incident as { id: number; code: string; description: string };
  };
  const listed = async (cookie: string) => {
    const res = await t.request({ url: '/api/incidents?pageSize=200', cookie });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as { id: number; code: string; description: string }[];
  };

  beforeAll(async () => {
    await clusterScript('replication', 'start');
    primary = await connect(REPLICATION.primary);
    replica = await connect(REPLICATION.replica);
    await createDatabase(REPLICATION.primary, name);
    t = await openClusterApp(
      // A window longer than any step of the test, so the writer stays on the primary throughout.
      { dbUrl: `${server(REPLICATION.primary)}${name}`, dbReplicaUrl: `${server(REPLICATION.replica)}${name}`, readYourWritesSeconds: 120 },
      { demo: true },
    );
    await waitFor('the replica to catch up', caughtUp);
    operator = await t.login('operator');
    dispatcher = await t.login('dispatcher');
    position = await somePosition(t.platform);
  }, 600_000);

  afterAll(async () => {
    await t?.close();
    await primary?.end().catch(() => {});
    await replica?.end().catch(() => {});
    await clusterScript('replication', 'clean');
  }, 180_000);

  it('answers the writer from the primary while the replica lags, and the others from the replica', async () => {
    await replica.query('STOP SLAVE SQL_THREAD');
    try {
      const created = await report('复制延迟中上报');
      const [[onReplica]] = (await replica.query(`SELECT COUNT(*) AS n FROM \`${name}\`.incidents WHERE id = ?`, [created.id])) as unknown as [[{ n: number }]];
      expect(onReplica!.n).toBe(0);
      // The writer, within its window, reads the primary: the new case is in its list.
      expect((await listed(operator)).map((x) => x.code)).toContain(created.code);
      // A user who wrote nothing reads the lagging replica: not there yet.
      expect((await listed(dispatcher)).map((x) => x.code)).not.toContain(created.code);
    } finally {
      await replica.query('START SLAVE SQL_THREAD');
    }
    await waitFor('the replica to catch up', caughtUp);
    expect((await listed(dispatcher)).length).toBe((await listed(operator)).length);
  });

  it('serves lag-tolerant reads from the replica: a change made on the replica only is what they see', async () => {
    const created = await report('只在主库的描述');
    await waitFor('the replica to catch up', caughtUp);
    await replica.query('SET SESSION sql_log_bin = 0');
    await replica.query(`UPDATE \`${name}\`.incidents SET description = ? WHERE id = ?`, ['只在副本的描述', created.id]);
    try {
      expect((await listed(dispatcher)).find((x) => x.id === created.id)?.description).toBe('只在副本的描述');
      expect((await listed(operator)).find((x) => x.id === created.id)?.description).toBe('只在主库的描述');
    } finally {
      await replica.query(`UPDATE \`${name}\`.incidents SET description = ? WHERE id = ?`, ['只在主库的描述', created.id]);
    }
  });

  it('keeps writing and reading on the primary while the replica is stopped, and uses the replica again when it is back', async () => {
    await replica.end();
    await clusterScript('replication', 'stop-node', 'replica');
    const created = await report('副本停机时上报');
    // The dispatcher's reads would go to the replica; they fall back to the primary.
    expect((await listed(dispatcher)).map((x) => x.code)).toContain(created.code);
    const again = await report('副本停机时再报一件');
    expect((await listed(dispatcher)).map((x) => x.code)).toContain(again.code);

    await clusterScript('replication', 'start');
    replica = await connect(REPLICATION.replica);
    await waitFor('the replica to catch up', caughtUp);
    // Back on the replica (once its pause after the failure is over): a replica-only change shows again.
    await replica.query('SET SESSION sql_log_bin = 0');
    await replica.query(`UPDATE \`${name}\`.incidents SET description = ? WHERE id = ?`, ['副本回来了', created.id]);
    await waitFor('reads to return to the replica', async () => (await listed(dispatcher)).find((x) => x.id === created.id)?.description === '副本回来了', 15_000);
  });
});
