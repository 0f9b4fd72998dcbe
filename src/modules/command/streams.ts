/**
 * The live feed's server-sent event streams (ADR 0011).
 *
 * Streams of viewers with the same scopes at the same position share one
 * subscription, a group: each event is filtered, encoded and gathered once
 * for all of them, and each gathering window's bytes are written to every
 * member. With 200 screens, the work per stream per event was most of what
 * the feed cost the server's thread (bench feed). A new stream joins its
 * group at once; a stream resuming from a cursor catches up alone and joins
 * when it has reached the group's position (both then admit the same rows).
 *
 * Each stream's body is unframed (`Connection: close`, no chunked encoding:
 * it ends with the connection, as an event stream does anyway) and written
 * in few writes: what arrives within `flushMs` goes out at once.
 */
import type { Socket } from 'node:net';
import type { Scope } from '../../infra/auth/scope.js';
import { encodeCursor, type LiveCursor } from '../../infra/feed/tail.js';
import { canSeeLiveEvent, type IncidentLiveFeed, type LiveIncidentEvent, type LiveSubscription } from './live.js';

export interface LiveStreamOptions {
  heartbeatMs: number;
  maxStreamMs: number;
  maxBufferedBytes: number;
  flushMs: number;
  onSlowClient(buffered: number): void;
}

const wired = new WeakMap<LiveIncidentEvent, string>();
const blocks = new WeakMap<LiveIncidentEvent, Buffer>();

/** What a browser receives for one event: the case by code, nothing about who acted (serialized once for all streams). */
function wire(e: LiveIncidentEvent): string {
  let text = wired.get(e);
  if (text === undefined) {
    text = JSON.stringify({
      eventId: e.id, incidentId: e.incidentId, code: e.code, action: e.action, fromStatus: e.fromStatus, toStatus: e.toStatus,
      at: new Date(e.at).toISOString(), gridCode: e.gridCode, categoryCode: e.categoryCode, leadDepartmentCode: e.leadDepartmentCode,
      warning: e.warning, position: e.lng == null || e.lat == null ? null : { lng: e.lng, lat: e.lat },
    });
    wired.set(e, text);
  }
  return text;
}

/** The event's SSE block after `cursor` (encoded once for every stream whose cursor is just the event's id: nearly all). */
function eventBlock(e: LiveIncidentEvent, cursor: LiveCursor, encoded: string): Buffer {
  if (cursor.gaps.length > 0 || cursor.high !== e.id) return Buffer.from(`id: ${encoded}\nevent: incident\ndata: ${wire(e)}\n\n`);
  let bytes = blocks.get(e);
  if (bytes === undefined) {
    bytes = Buffer.from(`id: ${encoded}\nevent: incident\ndata: ${wire(e)}\n\n`);
    blocks.set(e, bytes);
  }
  return bytes;
}

function sameIds(a: LiveCursor, b: LiveCursor): boolean {
  return a.high === b.high && a.gaps.length === b.gaps.length && a.gaps.every((g, i) => g.id === b.gaps[i]!.id);
}

/** Buffers gathered for one write after `ms`. */
class Gather {
  private parts: Buffer[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ms: number, private readonly out: (bytes: Buffer) => void) {}

  get pending(): boolean {
    return this.parts.length > 0;
  }

  push(bytes: Buffer): void {
    if (this.parts.length === 0) this.timer = setTimeout(() => this.flush(), this.ms);
    this.parts.push(bytes);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const parts = this.parts;
    if (parts.length === 0) return;
    this.parts = [];
    this.out(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.parts = [];
  }
}

class Stream {
  ended = false;
  /** The cursor this browser was last handed (its Last-Event-ID). */
  lastSent: string;
  /** While catching up alone: its own subscription and position. */
  alone: LiveSubscription | null = null;
  current: string;
  group: StreamGroup | null = null;
  readonly own: Gather;
  private readonly timers: NodeJS.Timeout[] = [];
  private notices: LiveSubscription | null = null;

  constructor(readonly socket: Socket, readonly key: string, given: string, private readonly hub: LiveStreams, private readonly options: LiveStreamOptions) {
    this.lastSent = this.current = given;
    this.own = new Gather(options.flushMs, (bytes) => this.writeNow(bytes));
  }

  start(live: IncidentLiveFeed, userId: number): void {
    this.notices = live.subscribeNotices(userId, (n) => {
      this.write(`event: notice\ndata: ${JSON.stringify({ id: n.id, kind: n.kind, incidentId: n.incidentId, incidentCode: n.incidentCode })}\n\n`);
    });
    this.timers.push(setInterval(() => this.heartbeat(), this.options.heartbeatMs), setTimeout(() => this.end(), this.options.maxStreamMs));
    this.socket.on('close', () => this.end());
  }

  write(text: string): void {
    if (!this.ended) this.own.push(Buffer.from(text));
  }

  writeNow(bytes: Buffer): void {
    if (this.ended) return;
    this.socket.write(bytes);
    if (this.socket.writableLength > this.options.maxBufferedBytes) {
      this.options.onSlowClient(this.socket.writableLength);
      this.end();
    }
  }

  private heartbeat(): void {
    // Events this viewer may not see still move its cursor: hand it over, so a reconnect does not read them again
    // (not while the group holds events not yet written: their ids are below it).
    const current = this.group ? (this.group.gathering ? null : this.group.current) : this.current;
    if (current !== null && current !== this.lastSent) {
      this.lastSent = current;
      this.write(`id: ${current}\nevent: cursor\ndata: {}\n\n`);
    } else {
      this.write(': ping\n\n');
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const t of this.timers) clearTimeout(t);
    this.own.clear();
    this.alone?.close();
    this.notices?.close();
    this.hub.left(this);
    this.socket.end();
  }
}

class StreamGroup {
  readonly members = new Set<Stream>();
  /** The shared subscription's cursor (the object its admits move), once it has caught up. */
  cursor: LiveCursor | null = null;
  current = '';
  private lastSent = '';
  private readonly gather: Gather;
  private readonly subscription: LiveSubscription;

  constructor(live: IncidentLiveFeed, private readonly scopes: readonly Scope[], flushMs: number) {
    this.gather = new Gather(flushMs, (bytes) => {
      for (const m of this.members) {
        m.lastSent = this.lastSent;
        m.writeNow(bytes);
      }
    });
    this.subscription = live.subscribe(null, {
      send: (event, cursor) => {
        this.current = encodeCursor(cursor);
        if (!canSeeLiveEvent(this.scopes, event)) return;
        this.lastSent = this.current;
        this.gather.push(eventBlock(event, cursor, this.current));
      },
      // A subscription from now never catches up, so never falls behind by a reset.
      reset: (cursor) => {
        this.current = this.lastSent = encodeCursor(cursor);
        this.gather.push(Buffer.from(`id: ${this.current}\nevent: reset\ndata: {}\n\n`));
      },
      caughtUp: (cursor) => {
        this.cursor = cursor;
        this.current = encodeCursor(cursor);
      },
      fail: () => {
        for (const m of [...this.members]) m.end();
      },
    });
  }

  flush(): void {
    this.gather.flush();
  }

  get gathering(): boolean {
    return this.gather.pending;
  }

  close(): void {
    this.gather.clear();
    this.subscription.close();
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This node's open live streams (tests read how they share subscriptions). */
    liveStreams?: LiveStreams;
  }
}

export class LiveStreams {
  private readonly groups = new Map<string, StreamGroup>();
  private readonly streams = new Set<Stream>();

  constructor(private readonly live: IncidentLiveFeed, private readonly options: LiveStreamOptions) {}

  /** Streams the caller's events to `socket` (headers already written), from `from` (null: from now). */
  open(socket: Socket, viewer: { userId: number; scopes: readonly Scope[] }, from: LiveCursor | null, given: string): void {
    const key = JSON.stringify(viewer.scopes);
    const stream = new Stream(socket, key, given, this, this.options);
    this.streams.add(stream);
    socket.write('retry: 2000\n\n');
    stream.start(this.live, viewer.userId);
    if (!from) {
      this.join(stream, viewer.scopes);
      return;
    }
    stream.alone = this.live.subscribe(from, {
      send: (event, cursor) => {
        stream.current = encodeCursor(cursor);
        if (!canSeeLiveEvent(viewer.scopes, event)) return;
        stream.lastSent = stream.current;
        stream.own.push(eventBlock(event, cursor, stream.current));
      },
      reset: (cursor) => {
        stream.current = stream.lastSent = encodeCursor(cursor);
        stream.write(`id: ${stream.current}\nevent: reset\ndata: {}\n\n`);
      },
      caughtUp: (cursor) => {
        const group = this.groups.get(key);
        if (stream.ended || !group?.cursor || !sameIds(group.cursor, cursor)) return;
        // At the group's position: its rows from here are this stream's rows. What both gathered so far goes out
        // now, the group's to its members and this stream's own to it, so nothing reaches it twice.
        stream.alone?.close();
        stream.alone = null;
        group.flush();
        stream.own.flush();
        stream.group = group;
        group.members.add(stream);
      },
      fail: () => stream.end(),
    });
  }

  private join(stream: Stream, scopes: readonly Scope[]): void {
    let group = this.groups.get(stream.key);
    if (!group) {
      group = new StreamGroup(this.live, scopes, this.options.flushMs);
      this.groups.set(stream.key, group);
    }
    stream.group = group;
    group.members.add(stream);
  }

  left(stream: Stream): void {
    this.streams.delete(stream);
    const group = stream.group;
    if (!group) return;
    group.members.delete(stream);
    if (group.members.size === 0) {
      group.close();
      this.groups.delete(stream.key);
    }
  }

  /** Ends every stream (server shutdown: browsers reconnect elsewhere). */
  endAll(): void {
    for (const s of [...this.streams]) s.end();
  }

  /** Open streams, groups, and streams in a group (tests, logs). */
  stats(): { streams: number; groups: number; grouped: number } {
    let grouped = 0;
    for (const g of this.groups.values()) grouped += g.members.size;
    return { streams: this.streams.size, groups: this.groups.size, grouped };
  }
}
