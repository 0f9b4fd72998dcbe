import type { Generated } from 'kysely';

export type MeetingLevel = 'community' | 'street' | 'district';
export type MeetingStatus = 'planned' | 'closed';
/** Where an agenda item came from: a hard-case source (rules/agenda.ts CANDIDATE_SOURCES), a free item, or risen from the level below. */
export type AgendaSource = 'escalated' | 'overdue' | 'returned' | 'hotspot' | 'free' | 'risen';
export type AgendaOutcome = 'open' | 'decided' | 'unresolved';

/** 三级联席会议: one joint meeting of a community, a street or the district. */
export interface MeetingTable {
  id: Generated<number>;
  level: MeetingLevel;
  /** The grid node that holds the meeting (community 12, street 9, district 6 digits): its scope. */
  grid_code: string;
  title: string;
  /** Epoch ms UTC. */
  held_at: number;
  location: string | null;
  /** JSON { name, unit }[]. */
  attendees: string;
  minutes: string | null;
  status: MeetingStatus;
  version: number;
  created_by: number | null;
  created_at: number;
  closed_at: number | null;
  updated_at: number;
}

/**
 * An agenda item. meeting_id is null while a risen item waits for the next
 * meeting of its node (level + grid_code).
 */
export interface MeetingItemTable {
  id: Generated<number>;
  meeting_id: number | null;
  level: MeetingLevel;
  grid_code: string;
  source: AgendaSource;
  incident_id: number | null;
  title: string;
  note: string | null;
  outcome: AgendaOutcome;
  /** The item of the level below this one rose from. */
  risen_from_item_id: number | null;
  /** Why it rose: 'unresolved' at the meeting's close, or 'task_overdue'. */
  risen_reason: string | null;
  created_at: number;
  updated_at: number;
}

export type DecisionKind = 'task' | 'incident' | 'need';
export type DecisionStatus = 'open' | 'done';

/**
 * A meeting's decision on an agenda item: a tracked task, a new incident or a
 * new 民生实事 need (which links back by livelihood_needs.meeting_decision_id),
 * each with a deadline.
 */
export interface MeetingDecisionTable {
  id: Generated<number>;
  meeting_id: number;
  item_id: number;
  kind: DecisionKind;
  content: string;
  /** The owner of a task (person or unit); for an incident, the lead department's code; for a need, its grid code. */
  owner: string;
  deadline_at: number;
  /** Tasks: set by their owner's report; incidents: follow the incident (done once closed); needs: done once the need is done or rejected. */
  status: DecisionStatus;
  incident_id: number | null;
  done_at: number | null;
  /** Set when the decision went overdue and its item rose to the next level (once). */
  risen_item_id: number | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

export interface MeetingTables {
  meetings: MeetingTable;
  meeting_items: MeetingItemTable;
  meeting_decisions: MeetingDecisionTable;
}
