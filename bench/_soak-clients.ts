/**
 * The soak bench's browsers, in their own process: N server-sent event
 * streams that reconnect with their cursor (Last-Event-ID) whenever the
 * server ends one, as EventSource does; counts the incident events received.
 */
import { request, type ClientRequest } from 'node:http';

interface Open {
  type: 'open';
  port: number;
  cookie: string;
  clients: number;
}

let stopped = false;
let received = 0;
let reconnects = 0;
const live = new Set<ClientRequest>();

function connect(o: Open, cursor: string, onOpen?: () => void): void {
  if (stopped) return;
  let last = cursor;
  const headers: Record<string, string> = { cookie: `cg_session=${o.cookie}`, accept: 'text/event-stream' };
  if (last) headers['last-event-id'] = last;
  const req = request({ host: '127.0.0.1', port: o.port, path: '/api/live/incidents', agent: false, headers }, (res) => {
    onOpen?.();
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const id = block.split('\n').find((l) => l.startsWith('id: '));
        if (id) last = id.slice(4);
        if (block.includes('event: incident')) received++;
      }
    });
    res.on('end', () => {
      live.delete(req);
      if (!stopped) {
        reconnects++;
        setTimeout(() => connect(o, last), 200);
      }
    });
  });
  req.on('error', () => {
    live.delete(req);
    if (!stopped) setTimeout(() => connect(o, last), 1000);
  });
  req.end();
  live.add(req);
}

process.on('message', (m: Open | { type: 'close' }) => {
  if (m.type === 'open') {
    // Ready once every stream has its response, so no event of the run comes before a client listens.
    let waiting = m.clients;
    for (let i = 0; i < m.clients; i++) connect(m, '', () => { if (--waiting === 0) process.send!({ type: 'open' }); });
  } else {
    stopped = true;
    for (const r of live) r.destroy();
    process.send!({ type: 'closed', received, reconnects });
  }
});
