import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface SendResult {
  /** The receiver's HTTP status, null when there was none (refused, reset, timed out). */
  status: number | null;
  latencyMs: number;
  error: string | null;
}

/**
 * POSTs a body and waits for the answer, at most `timeoutMs` for all of it
 * (connect, headers, body). Keep-alive agents: a subscription sends one
 * request after the other to the same receiver.
 */
export class WebhookSender {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 4 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 4 });

  constructor(private readonly timeoutMs: number, private readonly userAgent: string) {}

  send(url: string, body: string, headers: Record<string, string>): Promise<SendResult> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const t0 = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const done = (status: number | null, error: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status, latencyMs: Math.round(performance.now() - t0), error });
      };
      const req = (secure ? httpsRequest : httpRequest)(target, {
        method: 'POST',
        agent: secure ? this.https : this.http,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': this.userAgent, ...headers },
      }, (res) => {
        // The answer's body is read and dropped: only the status counts, and the socket goes back to the pool.
        res.on('data', () => undefined);
        res.on('end', () => done(res.statusCode ?? null, res.statusCode && res.statusCode >= 200 && res.statusCode < 300 ? null : `HTTP ${res.statusCode}`));
        res.on('error', (err) => done(null, err.message));
      });
      const timer = setTimeout(() => {
        req.destroy();
        done(null, `timed out after ${this.timeoutMs} ms`);
      }, this.timeoutMs);
      req.on('error', (err) => done(null, err.message || 'request failed'));
      req.end(body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
