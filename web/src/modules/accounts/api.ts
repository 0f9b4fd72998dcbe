import { api, type Page } from '../../shell/api.js';
import type { ScopeKind, ScopeView } from '../../shell/auth.js';

/** Types and calls of the accounts API (users, roles, scopes), as the server defines them. */
export interface Assignment {
  id: number;
  role: string;
  roleName: string;
  roleNameEn: string;
  scope: ScopeView;
}

export interface AdminUser {
  id: number;
  username: string;
  displayName: string;
  status: 'active' | 'disabled';
  lockedUntil: string | null;
  mustChangePassword: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  assignments: Assignment[];
}

export interface Role {
  code: string;
  name: string;
  nameEn: string;
  builtin: boolean;
  permissions: string[];
}

export interface PermissionDef {
  code: string;
  group: string;
  name: string;
  nameEn: string;
}

export type ScopeLevel = 'district' | 'street' | 'community' | 'unit' | 'department';

export interface ScopeOption {
  kind: ScopeKind;
  code: string;
  name: string;
  level: ScopeLevel;
}


export const accountsApi = {
  changePassword: (currentPassword: string, newPassword: string) =>
    api.post<void>('/api/auth/password', { currentPassword, newPassword }),

  listUsers: (q: { q?: string; page: number; pageSize: number }) => api.get<Page<AdminUser>>('/api/admin/users', q),
  createUser: (body: { username: string; displayName: string; password?: string }) =>
    api.post<{ user: AdminUser; generatedPassword?: string }>('/api/admin/users', body),
  updateUser: (id: number, body: { displayName?: string; status?: 'active' | 'disabled' }) =>
    api.patch<AdminUser>(`/api/admin/users/${id}`, body),
  unlockUser: (id: number) => api.post<AdminUser>(`/api/admin/users/${id}/unlock`),
  resetPassword: (id: number) => api.post<{ generatedPassword: string }>(`/api/admin/users/${id}/reset-password`),
  addAssignment: (id: number, body: { role: string; scopeKind: ScopeKind; scopeCode: string }) =>
    api.post<AdminUser>(`/api/admin/users/${id}/assignments`, body),
  removeAssignment: (id: number, assignmentId: number) => api.delete<AdminUser>(`/api/admin/users/${id}/assignments/${assignmentId}`),
  searchScopes: (q: string) => api.get<{ items: ScopeOption[] }>('/api/admin/scopes', { q }),

  listRoles: () => api.get<{ items: Role[] }>('/api/admin/roles'),
  createRole: (body: { code: string; name: string; nameEn: string; permissions: string[] }) => api.post<Role>('/api/admin/roles', body),
  updateRole: (code: string, body: { name: string; nameEn: string; permissions: string[] }) =>
    api.put<Role>(`/api/admin/roles/${encodeURIComponent(code)}`, body),
  deleteRole: (code: string) => api.delete<void>(`/api/admin/roles/${encodeURIComponent(code)}`),
  listPermissions: () => api.get<{ items: PermissionDef[] }>('/api/admin/permissions'),
};
