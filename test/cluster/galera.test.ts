import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/infra/db/database.js';
import { clusterScript, connect, createDatabase, GALERA, openClusterApp, server, serverPid, somePosition, waitFor, type ClusterApp } from './support.js';

/**
 * A three-node Galera cluster (scripts/cluster/galera.sh): the platform runs
 * through one node and through all three (one URL with three hosts),
 * certification conflicts are re-run like deadlocks, and killing the node
 * that takes the writes under intake loses no acknowledged report.
 */
describe('Galera cluster', () => {
  const name = `cg_galera_${process.pid}`;
  const allNodes = `mysql://civicgrid:civicgrid@${GALERA.map((p) => `127.0.0.1:${p}`).join(',')}/${name}`;
  let t: ClusterApp;
  let operator: string;
  let position: Awaited<ReturnType<typeof somePosition>>;

  const clusterSize = async (port: number) => {
    const c = await connect(port);
    try {
      const [[row]] = (await c.query("SHOW STATUS LIKE 'wsrep_cluster_size'")) as unknown as [[{ Value: string }]];
      return Number(row!.Value);
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    await clusterScript('galera', 'start');
    await createDatabase(GALERA[0], name);
    t = await openClusterApp({ dbUrl: allNodes }, { demo: true });
    operator = await t.login('operator');
    position = await somePosition(t.platform);
  }, 600_000);

  afterAll(async () => {
    await t?.close();
    await clusterScript('galera', 'clean');
  }, 180_000);

  it('runs the platform through one node: what it writes is on the other two at once', async () => {
    // The same keys as the first platform (its data dir): both are nodes of one installation.
    const one = await openClusterApp({ dbUrl: `${server(GALERA[2])}${name}`, dataDir: t.dataDir }, { demo: false });
    try {
      const cookie = await one.login('operator');
      const res = await one.request({ method: 'POST', url: '/api/incidents', cookie, body: { channel: 'operator_phone', description: '经单一节点上报', position } });
      expect(res.statusCode, res.body).toBe(201);
      const { code } = res.json().incident as { code: string };
      for (const port of [GALERA[0], GALERA[1]]) {
        const c = await connect(port, name);
        // wsrep_sync_wait: the read waits until this node has applied everything committed before it.
        await c.query('SET SESSION wsrep_sync_wait = 1');
        const [rows] = (await c.query('SELECT code FROM incidents WHERE code = ?', [code])) as unknown as [{ code: string }[]];
        await c.end();
        expect(rows.map((r) => r.code)).toEqual([code]);
      }
      // And the platform on all three nodes lists it.
      const listed = await t.request({ url: '/api/incidents?pageSize=200', cookie: operator });
      expect(listed.json().items.map((x: { code: string }) => x.code)).toContain(code);
    } finally {
      await one.close();
    }
  });

  it('re-runs transactions that lose a certification conflict between two nodes', async () => {
    type Counter = { cluster_counter: { id: number; n: number } };
    const a = openDatabase<Counter>({ url: `${server(GALERA[0])}${name}`, poolSize: 8 });
    const b = openDatabase<Counter>({ url: `${server(GALERA[1])}${name}`, poolSize: 8 });
    try {
      await sql`create table cluster_counter (id int primary key, n int not null)`.execute(a.primary);
      await sql`insert into cluster_counter values (1, 0)`.execute(a.primary);
      const bump = async (tx: Parameters<Parameters<typeof a.transaction>[0]>[0]) => {
        await sql`update cluster_counter set n = n + 1 where id = 1`.execute(tx);
        // Holds the transaction open so that the two nodes' writes overlap.
        await sql`select sleep(0.02)`.execute(tx);
      };
      // Without a re-run, the transactions that lose certification fail with ER_LOCK_DEADLOCK.
      const raw = await Promise.allSettled([a, b].flatMap((db) => Array.from({ length: 10 }, () => db.primary.transaction().execute(bump))));
      const lost = raw.filter((r) => r.status === 'rejected');
      expect(lost.length).toBeGreaterThan(0);
      for (const r of lost) expect((r as PromiseRejectedResult).reason).toMatchObject({ errno: 1213 });
      const before = (await a.primary.selectFrom('cluster_counter').select('n').executeTakeFirstOrThrow()).n;
      expect(before).toBe(raw.length - lost.length);

      // Through Db.transaction every one lands: ten rounds of one transaction on each node at the same time.
      let runs = 0;
      for (let round = 0; round < 10; round++) {
        await Promise.all([a, b].map((db) => db.transaction(async (tx) => {
          runs++;
          await bump(tx);
        })));
      }
      const after = (await a.primary.selectFrom('cluster_counter').select('n').executeTakeFirstOrThrow()).n;
      expect(after - before).toBe(20);
      expect(runs).toBeGreaterThan(20);
    } finally {
      await sql`drop table if exists cluster_counter`.execute(a.primary);
      await a.close();
      await b.close();
    }
  });

  it('loses no acknowledged report when the node taking the writes is killed under intake', async () => {
    const acknowledged = new Map<string, string>(); // idempotency key -> incident code
    const failed: { key: string; status: number }[] = [];
    let killedAt = 0;
    let afterKill = 0;
    let stop = false;
    let sequence = 0;
    const body = (key: string) => ({ channel: 'operator_phone', description: `压力上报 ${key}`, position });
    const worker = async () => {
      while (!stop) {
        const key = `galera-kill-${++sequence}`;
        const res = await t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: body(key), headers: { 'idempotency-key': key } });
        if (res.statusCode === 201) {
          acknowledged.set(key, res.json().incident.code);
          if (killedAt) afterKill++;
        } else {
          failed.push({ key, status: res.statusCode });
        }
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    await waitFor('intake to be under way', async () => acknowledged.size >= 30, 60_000);
    // The platform writes through the first host it reached: node 1.
    process.kill(serverPid('galera/node1'), 'SIGKILL');
    killedAt = Date.now();
    await waitFor('intake to go on through another node', async () => afterKill >= 30, 120_000);
    stop = true;
    await Promise.all(workers);
    expect(afterKill).toBeGreaterThanOrEqual(30);

    // A client retries what got no 201 with the same key: each lands exactly once.
    for (const { key } of failed) {
      const res = await t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: body(key), headers: { 'idempotency-key': key } });
      expect(res.statusCode, res.body).toBe(201);
      acknowledged.set(key, res.json().incident.code);
    }

    await waitFor('the survivors to form a two-node cluster', async () => (await clusterSize(GALERA[1])) === 2, 60_000);
    const codes = [...acknowledged.values()];
    const holdsEveryReport = async (port: number) => {
      const c = await connect(port, name);
      await c.query('SET SESSION wsrep_sync_wait = 1');
      const [rows] = (await c.query('SELECT code FROM incidents WHERE description LIKE ?', ['压力上报 galera-kill-%'])) as unknown as [{ code: string }[]];
      await c.end();
      const present = new Set(rows.map((r) => r.code));
      expect(codes.filter((code) => !present.has(code))).toEqual([]);
      // Exactly once: no report was stored twice under a retry.
      expect(rows.length).toBe(acknowledged.size);
    };
    await holdsEveryReport(GALERA[1]);
    await holdsEveryReport(GALERA[2]);
    // The killed node rejoins (state transfer from a survivor) with every report.
    await clusterScript('galera', 'start-node', '1');
    await holdsEveryReport(GALERA[0]);
    console.log(`galera kill: ${acknowledged.size} reports acknowledged (${afterKill} after the kill), ${failed.length} answered otherwise and retried: ${JSON.stringify(failed.map((f) => f.status))}`);
  });
});
