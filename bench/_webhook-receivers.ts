/**
 * The webhook bench's receivers, in their own process so that answering the
 * deliveries does not eat the server's thread: on "start" it listens on N
 * local ports (each answers 200), and for every event it records whether it
 * was new (dedupe by event id), in order, and its delay from the event's
 * time; "stats" sends the counts back, "reset" clears them.
 */
import { createServer, type Server } from 'node:http';

interface Receiver {
  server: Server;
  seen: Set<number>;
  last: number;
}

const receivers: Receiver[] = [];
let stats = { events: 0, duplicates: 0, outOfOrder: 0, requests: 0, lastArrival: 0, delays: [] as number[] };

function listen(): Promise<Receiver> {
  const r: Receiver = { server: createServer(), seen: new Set(), last: 0 };
  r.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      stats.requests++;
      const events = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: { id: number; occurredAt: string }[] }).events;
      for (const e of events) {
        if (r.seen.has(e.id)) {
          stats.duplicates++;
          continue;
        }
        if (e.id < r.last) stats.outOfOrder++;
        r.seen.add(e.id);
        r.last = Math.max(r.last, e.id);
        stats.events++;
        stats.delays.push(now - Date.parse(e.occurredAt));
      }
      stats.lastArrival = now;
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve) => r.server.listen(0, '127.0.0.1', () => resolve(r)));
}

process.on('message', (m: { type: string; count?: number }) => {
  void (async () => {
    if (m.type === 'start') {
      for (let i = 0; i < m.count!; i++) receivers.push(await listen());
      process.send!({ type: 'started', ports: receivers.map((r) => (r.server.address() as { port: number }).port) });
    } else if (m.type === 'stats') {
      process.send!({ type: 'stats', ...stats });
    } else if (m.type === 'reset') {
      stats = { events: 0, duplicates: 0, outOfOrder: 0, requests: 0, lastArrival: 0, delays: [] };
      for (const r of receivers) {
        r.seen.clear();
        r.last = 0;
      }
      process.send!({ type: 'reset' });
    }
  })();
});
