/**
 * Every /api route declares who may call it in `config.policy`; a route
 * without one fails at registration, so none can forget it. Object-level
 * scope checks happen in the data layer (wrong scope reads as 404).
 */
export type RoutePolicy =
  | { access: 'public' }
  /** No session: the handler authenticates an API client's key (X-Api-Key) itself; without one it answers 401. */
  | { access: 'api-key' }
  /** Any logged-in user; `duringPasswordChange` keeps it open while a password change is pending. */
  | { access: 'authenticated'; duringPasswordChange?: boolean }
  | { access: 'permission'; permission: string };

export const PUBLIC: RoutePolicy = { access: 'public' };
export const API_KEY: RoutePolicy = { access: 'api-key' };
export const AUTHENTICATED: RoutePolicy = { access: 'authenticated' };
export const permission = (code: string): RoutePolicy => ({ access: 'permission', permission: code });

export interface RegisteredRoute {
  method: string;
  url: string;
  policy: RoutePolicy;
}
