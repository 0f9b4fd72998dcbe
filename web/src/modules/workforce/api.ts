import { api, withQuery } from '../../shell/api.js';

export type DayStatus = 'upcoming' | 'pending' | 'rest' | 'leave' | 'absent' | 'late' | 'early_leave' | 'on_time';
export const DAY_STATUSES: readonly DayStatus[] = ['on_time', 'late', 'early_leave', 'absent', 'leave', 'rest', 'pending', 'upcoming'];
export type LeaveKind = 'annual' | 'sick' | 'personal' | 'compensatory' | 'other';
export const LEAVE_KINDS: readonly LeaveKind[] = ['annual', 'sick', 'personal', 'compensatory', 'other'];
export type LeaveStatus = 'pending' | 'approved' | 'refused' | 'cancelled';
export const LEAVE_STATUSES: readonly LeaveStatus[] = ['pending', 'approved', 'refused', 'cancelled'];

export interface ShiftText {
  start: string;
  end: string;
}

export interface RotaText {
  weekly: (ShiftText | null)[];
  followCalendar: boolean;
}

export interface TeamRole {
  code: string;
  name: string;
  nameEn: string;
  kind: 'full_time' | 'part_time';
  sort: number;
  status: 'active' | 'retired';
}

export interface TeamSummary {
  id: number;
  name: string;
  communityCode: string;
  communityName: string;
  streetCode: string;
  streetName: string;
  fullTime: number;
  partTime: number;
  complete: boolean;
  fullTimeNames: string[];
  version: number;
}

export interface Member {
  id: number;
  userId: number | null;
  username: string | null;
  name: string;
  roleCode: string;
  roleName: string;
  kind: 'full_time' | 'part_time';
  grids: { code: string; name: string }[];
  rota: RotaText | null;
  fromDate: string;
  toDate: string | null;
  version: number;
}

export interface TeamDetail extends TeamSummary {
  rota: RotaText;
  members: Member[];
  target: { fullTime: number; partTime: number };
}

export interface RotaException {
  id: number;
  memberId: number | null;
  memberName: string | null;
  date: string;
  shift: ShiftText | null;
  note: string;
}

export interface Leave {
  id: number;
  userId: number;
  userName: string;
  teamId: number;
  teamName: string;
  communityCode: string;
  communityName: string;
  kind: LeaveKind;
  fromDate: string;
  toDate: string;
  days: number;
  reason: string;
  status: LeaveStatus;
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  version: number;
}

export interface Totals {
  rosteredDays: number;
  onTimeDays: number;
  lateDays: number;
  earlyLeaveDays: number;
  absentDays: number;
  leaveDays: number;
  pendingDays: number;
  missingOutDays: number;
  lateMinutes: number;
  patrolCount: number;
  patrolSeconds: number;
  distanceM: number;
  casesReported: number;
  attendanceRate: number | null;
}

export interface AttendanceWorker {
  userId: number;
  displayName: string;
  memberId: number;
  teamId: number;
  teamName: string;
  roleName: string;
  communityCode: string;
  communityName: string;
  streetCode: string;
  streetName: string;
}

export interface DayRow {
  date: string;
  status: DayStatus;
  shift: ShiftText | null;
  leave: 'approved' | 'pending' | null;
  firstIn: string | null;
  lastOut: string | null;
  lateMinutes: number;
  earlyLeaveMinutes: number;
  missingOut: boolean;
  patrolCount: number;
  patrolSeconds: number;
  distanceM: number;
  casesReported: number;
}

export interface GroupTotals {
  code: string;
  name: string;
  workers: number;
  totals: Totals;
}

export interface MonthReport {
  month: string;
  workers: { worker: AttendanceWorker; totals: Totals }[];
  communities: GroupTotals[];
  streets: GroupTotals[];
  total: Totals;
}

export interface Patrol {
  id: string;
  userId: number;
  startedAt: string;
  endedAt: string | null;
  distanceM: number;
  durationS: number | null;
  pointCount: number;
}

export interface TrackFeature {
  type: 'Feature';
  properties: { patrolId: string; startedAt: string; endedAt: string | null; distanceM: number; times: number[]; droppedPoints: number };
  geometry: { type: 'LineString'; coordinates: [number, number][] };
}

export interface DayTrack {
  userId: number;
  displayName: string;
  date: string;
  patrols: Patrol[];
  track: { type: 'FeatureCollection'; features: TrackFeature[] };
  incidents: { id: number; code: string; lng: number; lat: number; reportedAt: string; categoryCode: string | null; status: string; description: string }[];
  clocks: { id: string; kind: 'in' | 'out'; at: string; lng: number; lat: number; gridCode: string; distanceM: number }[];
  gridCodes: string[];
}

export interface WorkerOption {
  userId: number;
  displayName: string;
  username: string;
  communityCode: string | null;
  communityName: string | null;
}

export interface Settings {
  clockToleranceM: number;
  lateGraceMinutes: number;
  earlyLeaveGraceMinutes: number;
  defaultShift: ShiftText;
  track: { maxSpeedMps: number; maxAccuracyM: number; minStepM: number; confirmPoints: number };
  staleAfterHours: number;
  team: { fullTime: number; partTime: number };
}

export interface GridNode {
  code: string;
  name: string;
  level: string;
  parentCode: string | null;
}

export const workforceApi = {
  teams: (query: { grid?: string; q?: string }) => api.get<{ items: TeamSummary[] }>('/api/teams', query),
  team: (id: number) => api.get<TeamDetail>(`/api/teams/${id}`),
  createTeam: (communityCode: string, name?: string) => api.post<TeamDetail>('/api/teams', { communityCode, ...(name ? { name } : {}) }),
  renameTeam: (id: number, name: string, version: number) => api.patch<TeamDetail>(`/api/teams/${id}`, { name, version }),
  addMember: (id: number, body: { userId?: number; name?: string; roleCode: string; gridCodes: string[] }) => api.post<TeamDetail>(`/api/teams/${id}/members`, body),
  updateMember: (id: number, memberId: number, body: { version: number; roleCode?: string; name?: string; gridCodes?: string[]; rota?: RotaText | null }) =>
    api.patch<TeamDetail>(`/api/teams/${id}/members/${memberId}`, body),
  removeMember: (id: number, memberId: number) => api.delete<TeamDetail>(`/api/teams/${id}/members/${memberId}`),
  candidates: (id: number, q: string) => api.get<{ items: { userId: number; username: string; displayName: string }[] }>(`/api/teams/${id}/member-candidates`, { q }),
  roles: () => api.get<{ items: TeamRole[] }>('/api/team-roles'),
  saveRole: (code: string, body: Omit<TeamRole, 'code'>) => api.put<TeamRole>(`/api/team-roles/${code}`, body),
  rota: (id: number, from: string, to: string) => api.get<{ teamId: number; rota: RotaText; version: number; exceptions: RotaException[] }>(`/api/teams/${id}/rota`, { from, to }),
  putRota: (id: number, rota: RotaText, version: number) => api.put<TeamDetail>(`/api/teams/${id}/rota`, { ...rota, version }),
  addException: (id: number, body: { date: string; memberId: number | null; shift: ShiftText | null; note?: string }) => api.post<RotaException>(`/api/teams/${id}/rota/exceptions`, body),
  removeException: (id: number, exceptionId: number) => api.delete<void>(`/api/teams/${id}/rota/exceptions/${exceptionId}`),
  leave: (query: { status?: string; grid?: string; from?: string; to?: string }) => api.get<{ items: Leave[] }>('/api/leave', query),
  myLeave: () => api.get<{ items: Leave[] }>('/api/leave/mine'),
  requestLeave: (body: { id: string; kind: LeaveKind; fromDate: string; toDate: string; reason: string }) => api.post<Leave>('/api/leave', body),
  fileLeave: (teamId: number, body: { id: string; userId: number; kind: LeaveKind; fromDate: string; toDate: string; reason: string }) => api.post<Leave>(`/api/teams/${teamId}/leave`, body),
  decideLeave: (id: number, decision: 'approve' | 'refuse', version: number, note?: string) => api.post<Leave>(`/api/leave/${id}/${decision}`, { version, ...(note ? { note } : {}) }),
  cancelLeave: (id: number, version: number) => api.post<Leave>(`/api/leave/${id}/cancel`, { version }),
  day: (date: string, grid?: string) => api.get<{ date: string; rows: (DayRow & { worker: AttendanceWorker })[]; counts: Record<string, number> }>('/api/attendance/day', { date, grid }),
  month: (month: string, grid?: string) => api.get<MonthReport>('/api/attendance/month', { month, grid }),
  workerMonth: (userId: number, month: string) => api.get<{ month: string; worker: AttendanceWorker | null; days: DayRow[]; totals: Totals }>('/api/attendance/worker', { userId, month }),
  myMonth: (month: string) => api.get<{ month: string; worker: AttendanceWorker | null; days: DayRow[]; totals: Totals }>('/api/attendance/mine', { month }),
  exportUrl: (month: string, grid?: string) => withQuery('/api/attendance/export', { month, grid }),
  track: (userId: number, date: string) => api.get<DayTrack>('/api/patrols/track', { userId, date }),
  workers: (query: { grid?: string; q?: string }) => api.get<{ items: WorkerOption[] }>('/api/workforce/workers', { ...query, limit: 200 }),
  settings: () => api.get<{ settings: Settings; version: number }>('/api/workforce/settings'),
  saveSettings: (settings: Settings, version: number) => api.put<{ settings: Settings; version: number }>('/api/workforce/settings', { settings, version }),
  grids: (level: 'street' | 'community' | 'unit', parent?: string) => api.get<{ items: GridNode[] }>('/api/grids', { level, parent, pageSize: 500 }),
};
