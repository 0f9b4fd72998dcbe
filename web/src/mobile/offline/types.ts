import type { CreateBody } from '../../modules/incidents/api.js';

/**
 * The outbox: what the worker did that the server has not confirmed yet.
 * Each item is kept in IndexedDB until sent (and a while after, to show it),
 * with the id the server deduplicates on, made when the user tapped.
 */
export type OutboxKind = 'report' | 'action' | 'visit' | 'patrol-start' | 'patrol-points' | 'patrol-stop' | 'clock' | 'campaign';

/** waiting: not sent yet (or to be retried); sending: on the wire; sent: confirmed; refused: the server said no, with the reason. */
export type OutboxState = 'waiting' | 'sending' | 'sent' | 'refused';

export interface OutboxPhoto {
  id: string;
  /** before / after: a report's photos and a self-resolve's before and after photos; photo: a verification's; answer: a campaign photo question's. */
  role: 'before' | 'after' | 'photo' | 'answer';
  /** answer: the key of the campaign question the photo answers. */
  questionKey?: string;
  blob: Blob;
  /** Content hash once uploaded (uploads are content-addressed, so uploading again is harmless). */
  hash?: string;
}

export interface OutboxError {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** A position as the server takes it: WGS-84 from the browser's GPS. */
export interface Position {
  lng: number;
  lat: number;
  accuracyM?: number;
}

/** The actions on an existing case the app offers a grid worker (the server's allowedActions decide which show). */
export type TaskActionType = 'verify-pass' | 'verify-fail' | 'self-resolve';

export interface ReportPayload {
  body: CreateBody;
  /** 即办: the worker fixed it on the spot; sent as a self-resolve action after the create. */
  selfResolve: { categoryCode: string; note?: string } | null;
}

export interface ActionPayload {
  incidentId: number;
  incidentCode: string;
  type: TaskActionType;
  /** The version the worker saw; null after "send again", which takes the current one. */
  version: number | null;
  /** The last timeline event the worker saw: a later event of ours means the action went through. */
  seenSeq: number;
  note?: string;
  reason?: string;
  /** self-resolve: the category, when the case has none yet. */
  categoryCode?: string;
}

export interface VisitPayload {
  householdId: number;
  householdNo: string;
  body: { summary: string; finding?: string; createIncident: boolean; categoryCode?: string; visitedAt: string };
}

/**
 * One campaign form (中心工作) for one target; sending it again replaces the answers, and its finding's incident is made once.
 * Photo questions: the answers hold the photos already on the server (a refill keeps them); the item's photos with their
 * questionKey are added to them once uploaded.
 */
export interface CampaignPayload {
  campaignId: number;
  targetId: number;
  targetLabel: string;
  body: { targetId: number; answers: Record<string, boolean | number | string | string[]>; problemNote?: string };
}

export interface TrackPoint {
  at: string;
  lng: number;
  lat: number;
  accuracyM?: number;
}

export interface PatrolStartPayload { id: string; startedAt: string; position?: Position }
export interface PatrolPointsPayload { patrolId: string; points: TrackPoint[] }
export interface PatrolStopPayload { patrolId: string; endedAt: string }
export interface ClockPayload { id: string; kind: 'in' | 'out'; at: string; position: Position }

export type OutboxBody =
  | { kind: 'report'; payload: ReportPayload }
  | { kind: 'action'; payload: ActionPayload }
  | { kind: 'visit'; payload: VisitPayload }
  | { kind: 'patrol-start'; payload: PatrolStartPayload }
  | { kind: 'patrol-points'; payload: PatrolPointsPayload }
  | { kind: 'patrol-stop'; payload: PatrolStopPayload }
  | { kind: 'clock'; payload: ClockPayload }
  | { kind: 'campaign'; payload: CampaignPayload };

/** Steps already done, so that a retry does not do them again. */
export interface OutboxProgress {
  incident?: { id: number; code: string; version: number };
  selfResolved?: boolean;
}

/** What the server answered, for the list. */
export interface OutboxResult {
  incidentId?: number;
  incidentCode?: string;
  gridCode?: string;
  visitId?: number;
  accepted?: number;
}

export type OutboxItem = OutboxBody & {
  /** Order of sending (IndexedDB auto-increment). */
  seq?: number;
  /** The idempotency key or client id: made once, when the user tapped. */
  key: string;
  userId: number;
  createdAt: number;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: number;
  lastError: OutboxError | null;
  photos: OutboxPhoto[];
  progress: OutboxProgress;
  result: OutboxResult | null;
  sentAt: number | null;
};

/** A new item as the pages make it; the outbox fills in the bookkeeping. */
export type NewOutboxItem = OutboxBody & { key: string; photos?: OutboxPhoto[] };
