import { api } from '../../shell/api.js';

export type OrgKind = 'committee' | 'general_branch' | 'branch' | 'two_new';
export type MemberKind = 'full' | 'probationary';
export type ActivityKind = 'branch_meeting' | 'party_lesson' | 'theme_day' | 'volunteer' | 'other';
export const ORG_KINDS: OrgKind[] = ['committee', 'general_branch', 'branch', 'two_new'];
export const ACTIVITY_KINDS: ActivityKind[] = ['branch_meeting', 'party_lesson', 'theme_day', 'volunteer', 'other'];

export interface Organization {
  id: number; gridCode: string; gridName: string | null; parentId: number | null; name: string; kind: OrgKind; secretary: string | null;
  lng: number | null; lat: number | null; foundedOn: string | null; version: number; members: number;
}
export interface Member {
  id: number; organizationId: number; residentId: number; name: string; idNumber: string; phone: string | null; residentGridCode: string;
  kind: MemberKind; post: string | null; joinedOn: string; households: number; version: number; endedOn: string | null; endReason: string | null;
}
export interface MemberTransfer {
  id: number; fromOrganizationId: number; fromOrganizationName: string | null; toOrganizationId: number; toOrganizationName: string | null; transferredOn: string; reason: string;
}
export interface MemberDetail extends Member { organizationName: string | null; transfers: MemberTransfer[] }
export interface Activity { id: number; organizationId: number; gridCode: string; title: string; kind: ActivityKind; heldAt: string; place: string; summary: string; present: number; members: number }
export interface OrganizationDetail extends Omit<Organization, 'members'> {
  parentName: string | null;
  dissolvedOn: string | null;
  dissolveReason: string | null;
  formerMembers: { id: number; name: string; endedOn: string; endReason: string }[];
  children: { id: number; name: string; kind: OrgKind; gridCode: string }[];
  members: Member[];
  activities: Activity[];
}
export interface AreaCounts { total: { organizations: number; members: number }; items: { code: string; name: string; organizations: number; members: number }[] }
export interface PartyMap {
  organizations: { id: number; name: string; kind: OrgKind; gridCode: string; members: number; lng: number | null; lat: number | null }[];
  communities: { code: string; name: string; lng: number | null; lat: number | null; organizations: number; members: number }[];
}

export const partyApi = {
  list: (q: { kind?: OrgKind | undefined; q?: string | undefined; page: number; pageSize: number }) => api.get<{ total: number; items: Organization[] }>('/api/party/organizations', q),
  get: (id: number) => api.get<OrganizationDetail>(`/api/party/organizations/${id}`),
  create: (body: { gridCode: string; parentId?: number | null; name: string; kind: OrgKind; secretary?: string | null }) => api.post<{ id: number }>('/api/party/organizations', body),
  addMember: (orgId: number, body: { residentId: number; kind: MemberKind; post?: string | null; joinedOn: string }) => api.post<{ id: number }>(`/api/party/organizations/${orgId}/members`, body),
  linkHousehold: (memberId: number, householdId: number) => api.post<null>(`/api/party/members/${memberId}/households`, { householdId }),
  addActivity: (orgId: number, body: { title: string; kind: ActivityKind; heldAt: string; place: string; summary: string; attendeeIds: number[] }) =>
    api.post<{ id: number }>(`/api/party/organizations/${orgId}/activities`, body),
  update: (id: number, body: { gridCode: string; parentId: number | null; name: string; kind: OrgKind; secretary: string | null; version: number }) => api.put<null>(`/api/party/organizations/${id}`, body),
  remove: (id: number, version: number) => api.delete<null>(`/api/party/organizations/${id}?version=${version}`),
  dissolve: (id: number, body: { version: number; toOrganizationId: number; dissolvedOn: string; reason: string }) => api.post<{ transferred: number }>(`/api/party/organizations/${id}/dissolve`, body),
  member: (id: number) => api.get<MemberDetail>(`/api/party/members/${id}`),
  updateMember: (id: number, body: { version: number; kind: MemberKind; post: string | null; joinedOn: string }) => api.put<null>(`/api/party/members/${id}`, body),
  transferMember: (id: number, body: { version: number; toOrganizationId: number; transferredOn: string; reason: string }) => api.post<null>(`/api/party/members/${id}/transfer`, body),
  removeMember: (id: number, body: { version: number; endedOn: string; reason: string }) => api.post<null>(`/api/party/members/${id}/remove`, body),
  counts: (by: 'street' | 'community') => api.get<AreaCounts>('/api/party/counts', { by }),
  map: () => api.get<PartyMap>('/api/party/map'),
};
