/**
 * The feed bench's browsers, in their own process so that parsing 200 streams
 * does not eat the server's thread: on "open" it connects N server-sent event
 * streams, records for every incident event the delay from the event's time
 * to its arrival, and on "close" disconnects and sends the delays back.
 */
import { request } from 'node:http';

interface Open {
  type: 'open';
  port: number;
  cookie: string;
  clients: number;
}

let streams: { destroy(): void }[] = [];
/** An incident event's data holds its time once, as an ISO string of 24 characters; no other event carries it. */
const AT = '"at":"';
let delays: number[] = [];
let connected = 0;

function connect(o: Open): void {
  const req = request({ host: '127.0.0.1', port: o.port, path: '/api/live/incidents', agent: false, headers: { cookie: `cg_session=${o.cookie}`, accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) {
      process.send!({ type: 'error', message: `live stream answered ${res.statusCode}` });
      return;
    }
    connected++;
    if (connected === o.clients) process.send!({ type: 'open' });
    let buffer = '';
    res.setEncoding('utf8');
    // As light as a parser can be (one scan for each event's time), so the 200 "browsers" take as little of the
    // machine's two cores from the server they measure as possible.
    res.on('data', (chunk: string) => {
      const now = Date.now();
      buffer += chunk;
      const end = buffer.lastIndexOf('\n\n');
      if (end < 0) return;
      for (let at = buffer.indexOf(AT); at >= 0 && at < end; at = buffer.indexOf(AT, at + AT.length + 24)) {
        delays.push(now - Date.parse(buffer.slice(at + AT.length, at + AT.length + 24)));
      }
      buffer = buffer.slice(end + 2);
    });
  });
  req.on('error', (err) => process.send!({ type: 'error', message: err.message }));
  req.end();
  streams.push(req);
}

process.on('message', (m: Open | { type: 'close' }) => {
  if (m.type === 'open') {
    connected = 0;
    delays = [];
    for (let i = 0; i < m.clients; i++) connect(m);
  } else {
    for (const s of streams) s.destroy();
    streams = [];
    process.send!({ type: 'closed', delays });
  }
});
