/**
 * Progress of a long load on stderr: done/total, rows per second and the
 * estimated time left. On a terminal one line is redrawn; otherwise (a log
 * file, CI) a line is printed every `everyMs`.
 */
export interface ProgressLine {
  /** `done` of `total` units (days, residents…) and the rows written so far. */
  update(done: number, total: number, rows: number, note?: string): void;
  done(summary?: string): void;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export function progressLine(label: string, options: { stream?: NodeJS.WriteStream; everyMs?: number; now?: () => number } = {}): ProgressLine {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const everyMs = options.everyMs ?? 10_000;
  // The clock starts at the first update (a resumed run starts from where it was).
  let started = -1;
  let baseDone = 0;
  let baseRows = 0;
  let lastPrint = 0;
  let drawn = false;
  const text = (done: number, total: number, rows: number, note?: string) => {
    const elapsed = now() - started;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const rate = (rows - baseRows) / Math.max(0.001, elapsed / 1000);
    const ownFrac = total > baseDone ? (done - baseDone) / (total - baseDone) : 0;
    const eta = ownFrac > 0 ? (elapsed / ownFrac) * (1 - ownFrac) : Number.NaN;
    return `${label} ${(frac * 100).toFixed(1)}% (${done}/${total}) ${rows.toLocaleString('en-US')} rows, ${Math.round(rate).toLocaleString('en-US')} rows/s, ${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}${note ? ` ${note}` : ''}`;
  };
  return {
    update(done, total, rows, note) {
      const t = now();
      if (started < 0) {
        started = t;
        baseDone = done;
        baseRows = rows;
        lastPrint = t;
        return;
      }
      if (stream.isTTY) {
        stream.write(`\r${text(done, total, rows, note)}\u001b[K`);
        drawn = true;
      } else if (t - lastPrint >= everyMs || done >= total) {
        lastPrint = t;
        stream.write(`${text(done, total, rows, note)}\n`);
      }
    },
    done(summary) {
      if (drawn) stream.write('\n');
      if (summary) stream.write(`${label} ${summary}${started >= 0 ? ` in ${formatDuration(now() - started)}` : ''}\n`);
    },
  };
}
