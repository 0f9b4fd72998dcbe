/** A server-sent events client for tests: reads a stream with fetch and keeps what arrived. */
export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

export interface SseClient {
  events: SseEvent[];
  /** The last id received, as a browser's EventSource keeps it. */
  lastId(): string | null;
  /** Resolves with the first event (from the start) that matches, or rejects after the timeout. */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  status: number;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  let last: string | null = headers['last-event-id'] ?? null;
  const waiters = new Set<() => void>();
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let at: number;
          while ((at = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, at);
            buffer = buffer.slice(at + 2);
            const e: SseEvent = { id: null, event: 'message', data: '' };
            let any = false;
            for (const line of block.split('\n')) {
              if (line.startsWith(':') || line === '') continue;
              const [field, ...rest] = line.split(':');
              const value = rest.join(':').replace(/^ /, '');
              if (field === 'id') e.id = value;
              else if (field === 'event') e.event = value;
              else if (field === 'data') e.data = e.data ? `${e.data}\n${value}` : value;
              else continue;
              any = true;
            }
            if (!any || (e.id === null && e.data === '' && e.event === 'message')) continue;
            if (e.id !== null) last = e.id;
            events.push(e);
            for (const w of waiters) w();
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return {
    events,
    status: res.status,
    lastId: () => last,
    waitFor(match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${events.map((e) => e.event).join(',')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
