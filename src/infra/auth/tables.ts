import type { Generated } from 'kysely';
import type { Flag } from '../db/values.js';

export interface UserTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  password_hash: string;
  password_changed_at: number;
  must_change_password: Flag;
  status: 'active' | 'disabled';
  failed_logins: number;
  locked_until: number | null;
  last_login_at: number | null;
  locale: string;
  created_at: number;
  updated_at: number;
}

export interface PasswordHistoryTable {
  id: Generated<number>;
  user_id: number;
  password_hash: string;
  created_at: number;
}

export interface RoleTable {
  code: string;
  name: string;
  name_en: string;
  builtin: Flag;
  /** JSON array of permission codes. */
  permissions: string;
  created_at: number;
  updated_at: number;
}

export interface RoleAssignmentTable {
  id: Generated<number>;
  user_id: number;
  role_code: string;
  scope_kind: 'grid' | 'department';
  scope_code: string;
  created_at: number;
  created_by: number | null;
}

export interface SessionTable {
  /** SHA-256 of the token; the token itself lives only in the cookie. */
  id: string;
  user_id: number;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  ip: string;
  user_agent: string;
  revoked_at: number | null;
}

export interface AuthTables {
  users: UserTable;
  password_history: PasswordHistoryTable;
  roles: RoleTable;
  role_assignments: RoleAssignmentTable;
  sessions: SessionTable;
}
