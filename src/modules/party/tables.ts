import type { ColumnType, Generated } from 'kysely';

/** 党委 / 党总支 / 党支部 / 两新组织党组织 (party organisations in non-public firms and social organisations). */
export const PARTY_ORG_KINDS = ['committee', 'general_branch', 'branch', 'two_new'] as const;
export type PartyOrgKind = (typeof PARTY_ORG_KINDS)[number];

export const PARTY_MEMBER_KINDS = ['full', 'probationary'] as const;
export type PartyMemberKind = (typeof PARTY_MEMBER_KINDS)[number];

/** 三会一课 and the rest: what an activity was. */
export const PARTY_ACTIVITY_KINDS = ['branch_meeting', 'party_lesson', 'theme_day', 'volunteer', 'other'] as const;
export type PartyActivityKind = (typeof PARTY_ACTIVITY_KINDS)[number];

/**
 * A party organisation attached to a grid node (street, community or unit
 * grid): its grid code is the scope key, as on every base-data row.
 */
export interface PartyOrganizationTable {
  id: Generated<number>;
  grid_code: string;
  parent_id: number | null;
  name: string;
  kind: PartyOrgKind;
  secretary: string | null;
  /** WGS84, for the 党建 map layer; null shows the organisation at its grid's centre. */
  lng: number | null;
  lat: number | null;
  founded_on: string | null;
  created_at: number;
  updated_at: number;
  version: ColumnType<number, number | undefined, number>;
  /** Set when dissolved (its members transferred): the row stays for the history, out of lists and counts. */
  dissolved_on: ColumnType<string | null, string | null | undefined, string | null>;
  dissolve_reason: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A party member: always a resident (personal data stays in residents, masked on the way out). */
export interface PartyMemberTable {
  id: Generated<number>;
  organization_id: number;
  /** The organisation's grid code, copied for the scope filter. */
  grid_code: string;
  resident_id: number;
  kind: PartyMemberKind;
  post: string | null;
  joined_on: string;
  created_at: number;
  updated_at: number;
  version: ColumnType<number, number | undefined, number>;
  /** Set when the member is removed (出党, 去世…): the row and its history stay, out of lists and counts. */
  ended_on: ColumnType<string | null, string | null | undefined, string | null>;
  end_reason: ColumnType<string | null, string | null | undefined, string | null>;
}

/** 组织关系转接: one row per move of a member from one organisation to another. */
export interface PartyMemberTransferTable {
  id: Generated<number>;
  member_id: number;
  from_organization_id: number;
  to_organization_id: number;
  /** Both organisations' grid codes: the transfer shows to either side's scope. */
  from_grid_code: string;
  to_grid_code: string;
  transferred_on: string;
  reason: string;
  created_by: number | null;
  created_at: number;
}

/** 党员联户: a member serves a household. */
export interface PartyMemberHouseholdTable {
  id: Generated<number>;
  member_id: number;
  household_id: number;
  /** The household's grid code. */
  grid_code: string;
  created_at: number;
}

export interface PartyActivityTable {
  id: Generated<number>;
  organization_id: number;
  grid_code: string;
  title: string;
  kind: PartyActivityKind;
  held_at: number;
  place: string;
  summary: string;
  created_by: number | null;
  created_at: number;
}

/** One row per member present at an activity. */
export interface PartyAttendanceTable {
  activity_id: number;
  member_id: number;
  grid_code: string;
}

export interface PartyTables {
  party_organizations: PartyOrganizationTable;
  party_members: PartyMemberTable;
  party_member_households: PartyMemberHouseholdTable;
  party_activities: PartyActivityTable;
  party_attendance: PartyAttendanceTable;
  party_member_transfers: PartyMemberTransferTable;
}
