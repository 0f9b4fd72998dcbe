import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, requirePrincipal, SESSION_COOKIE } from '../../infra/http/app.js';
import { permission, PUBLIC } from '../../infra/http/policy.js';
import type { Principal } from '../../infra/auth/principal.js';
import type { ScopeDirectory } from '../../infra/auth/scope.js';
import { PERMISSIONS } from './catalogue.js';
import type { AccountService } from './service.js';

const ScopeView = z.object({ kind: z.enum(['grid', 'department']), code: z.string(), name: z.string() });
const Me = z.object({
  id: z.number(),
  username: z.string(),
  displayName: z.string(),
  locale: z.string(),
  mustChangePassword: z.boolean(),
  passwordExpired: z.boolean(),
  roles: z.array(z.object({ role: z.string(), roleName: z.string(), roleNameEn: z.string(), scope: ScopeView })),
  permissions: z.array(z.string()),
});
const AdminUser = z.object({
  id: z.number(),
  username: z.string(),
  displayName: z.string(),
  status: z.enum(['active', 'disabled']),
  lockedUntil: z.string().nullable(),
  mustChangePassword: z.boolean(),
  lastLoginAt: z.string().nullable(),
  createdAt: z.string(),
  assignments: z.array(z.object({ id: z.number(), role: z.string(), roleName: z.string(), roleNameEn: z.string(), scope: ScopeView })),
});
const Role = z.object({
  code: z.string().regex(/^[a-z][a-z0-9_]{1,63}$/),
  name: z.string().min(1).max(100),
  nameEn: z.string().min(1).max(100),
  builtin: z.boolean(),
  permissions: z.array(z.string()),
});
const IdParams = z.object({ id: z.coerce.number().int().positive() });
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });

export interface AccountRouteDeps {
  accounts: AccountService;
  scopes: ScopeDirectory;
  cookieSecure: boolean;
  sessionAbsoluteMs: number;
  loginRateLimitPerMinute: number;
  /** Loads the principal for a user right after login (the request has none yet). */
  principalFor(userId: number): Promise<Principal | null>;
}

export async function accountRoutes(app: FastifyInstance, deps: AccountRouteDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { accounts } = deps;

  async function me(principal: Principal): Promise<z.infer<typeof Me>> {
    const roles = await accounts.listRoles();
    const byCode = new Map(roles.map((x) => [x.code, x]));
    const out: z.infer<typeof Me>['roles'] = [];
    for (const a of principal.assignments) {
      const entry = await deps.scopes.describe(a.scope);
      const role = byCode.get(a.role);
      out.push({
        role: a.role,
        roleName: role?.name ?? a.role,
        roleNameEn: role?.nameEn ?? a.role,
        scope: { kind: a.scope.kind, code: a.scope.code, name: entry?.name ?? a.scope.code },
      });
    }
    return {
      id: principal.userId,
      username: principal.username,
      displayName: principal.displayName,
      locale: principal.locale,
      mustChangePassword: principal.mustChangePassword,
      passwordExpired: principal.passwordExpired,
      roles: out,
      permissions: [...principal.permissions].sort(),
    };
  }

  function setSessionCookie(reply: FastifyReply, token: string): void {
    void reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: deps.cookieSecure,
      path: '/',
      maxAge: Math.floor(deps.sessionAbsoluteMs / 1000),
    });
  }

  r.post('/api/auth/login', {
    config: {
      policy: PUBLIC,
      rateLimit: { max: deps.loginRateLimitPerMinute, timeWindow: '1 minute' },
    },
    schema: {
      tags: ['auth'],
      summary: 'Log in; sets the session cookie',
      body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
      response: { 200: z.object({ user: Me }), 401: ErrorBody, 403: ErrorBody },
    },
  }, async (request, reply) => {
    const { token, userId } = await accounts.login(request.body.username, request.body.password, {
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? '',
    });
    setSessionCookie(reply, token);
    const principal = await deps.principalFor(userId);
    if (!principal) throw new Error('user vanished during login');
    return { user: await me(principal) };
  });

  r.post('/api/auth/logout', {
    config: { policy: { access: 'authenticated', duringPasswordChange: true } },
    schema: { tags: ['auth'], summary: 'Log out and revoke the session' },
  }, async (request, reply) => {
    await accounts.logout(requirePrincipal(request), request.ip);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  r.get('/api/auth/me', {
    config: { policy: { access: 'authenticated', duringPasswordChange: true } },
    schema: { tags: ['auth'], summary: 'The current user, roles and permissions', response: { 200: Me } },
  }, async (request) => me(requirePrincipal(request)));

  r.patch('/api/auth/me', {
    config: { policy: { access: 'authenticated', duringPasswordChange: true } },
    schema: { tags: ['auth'], summary: 'Set the own preferred language', body: z.object({ locale: z.enum(['zh-CN', 'en']) }) },
  }, async (request, reply) => {
    await accounts.setLocale(requirePrincipal(request).userId, request.body.locale);
    return reply.status(204).send();
  });

  r.post('/api/auth/password', {
    config: { policy: { access: 'authenticated', duringPasswordChange: true } },
    schema: {
      tags: ['auth'],
      summary: 'Change the own password',
      body: z.object({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(1).max(256) }),
    },
  }, async (request, reply) => {
    await accounts.changeOwnPassword(requirePrincipal(request), request.body.currentPassword, request.body.newPassword, request.ip);
    return reply.status(204).send();
  });

  // ---- admin: users ----
  const manageUsers = permission('users.manage');

  r.get('/api/admin/users', {
    config: { policy: manageUsers },
    schema: {
      tags: ['admin'],
      summary: 'Users visible in the caller scope',
      querystring: z.object({
        q: z.string().max(64).optional(),
        page: z.coerce.number().int().min(1).default(1),
        pageSize: z.coerce.number().int().min(1).max(200).default(20),
      }),
      response: { 200: z.object({ items: z.array(AdminUser), total: z.number() }) },
    },
  }, async (request) => accounts.listUsers(requirePrincipal(request), { query: request.query.q, page: request.query.page, pageSize: request.query.pageSize }));

  r.get('/api/admin/users/:id', {
    config: { policy: manageUsers },
    schema: { tags: ['admin'], params: IdParams, response: { 200: AdminUser } },
  }, async (request) => accounts.getUser(requirePrincipal(request), request.params.id));

  r.post('/api/admin/users', {
    config: { policy: manageUsers },
    schema: {
      tags: ['admin'],
      summary: 'Create a user; without a password one is generated and returned once',
      body: z.object({ username: z.string().min(2).max(64), displayName: z.string().min(1).max(100), password: z.string().min(1).max(256).optional() }),
      response: { 201: z.object({ user: AdminUser, generatedPassword: z.string().optional() }) },
    },
  }, async (request, reply) => {
    const created = await accounts.createUser(actorOf(request), request.body);
    // A new user has no assignment yet, so no scope check applies to reading it back.
    const user = await accounts.userView(created.userId);
    return reply.status(201).send({ user, ...(created.generatedPassword ? { generatedPassword: created.generatedPassword } : {}) });
  });

  r.patch('/api/admin/users/:id', {
    config: { policy: manageUsers },
    schema: {
      tags: ['admin'],
      params: IdParams,
      body: z.object({ displayName: z.string().min(1).max(100).optional(), status: z.enum(['active', 'disabled']).optional() }),
      response: { 200: AdminUser },
    },
  }, async (request) => {
    const principal = requirePrincipal(request);
    await accounts.updateUser(principal, actorOf(request), request.params.id, request.body);
    return accounts.getUser(principal, request.params.id);
  });

  r.post('/api/admin/users/:id/unlock', {
    config: { policy: manageUsers },
    schema: { tags: ['admin'], params: IdParams, response: { 200: AdminUser } },
  }, async (request) => {
    const principal = requirePrincipal(request);
    await accounts.setLock(principal, actorOf(request), request.params.id, false);
    return accounts.getUser(principal, request.params.id);
  });

  r.post('/api/admin/users/:id/reset-password', {
    config: { policy: manageUsers },
    schema: { tags: ['admin'], params: IdParams, response: { 200: z.object({ generatedPassword: z.string() }) } },
  }, async (request) => {
    const result = await accounts.setPassword(requirePrincipal(request), actorOf(request), request.params.id, undefined);
    return { generatedPassword: result.generatedPassword! };
  });

  r.post('/api/admin/users/:id/assignments', {
    config: { policy: manageUsers },
    schema: {
      tags: ['admin'],
      params: IdParams,
      body: z.object({ role: z.string().min(1), scopeKind: z.enum(['grid', 'department']), scopeCode: z.string().min(1).max(32) }),
      response: { 201: AdminUser },
    },
  }, async (request, reply) => {
    const principal = requirePrincipal(request);
    await accounts.grant(principal, actorOf(request), request.params.id, request.body.role, {
      kind: request.body.scopeKind,
      code: request.body.scopeCode,
    });
    return reply.status(201).send(await accounts.getUser(principal, request.params.id));
  });

  r.delete('/api/admin/users/:id/assignments/:assignmentId', {
    config: { policy: manageUsers },
    schema: {
      tags: ['admin'],
      params: z.object({ id: z.coerce.number().int().positive(), assignmentId: z.coerce.number().int().positive() }),
      response: { 200: AdminUser },
    },
  }, async (request) => {
    const principal = requirePrincipal(request);
    await accounts.revoke(principal, actorOf(request), request.params.id, request.params.assignmentId);
    return accounts.getUser(principal, request.params.id);
  });

  r.get('/api/admin/scopes', {
    config: { policy: manageUsers },
    schema: {
      tags: ['admin'],
      summary: 'Grid nodes and departments to pick a scope from',
      querystring: z.object({ q: z.string().max(64).default('') }),
      response: {
        200: z.object({
          items: z.array(z.object({
            kind: z.enum(['grid', 'department']),
            code: z.string(),
            name: z.string(),
            level: z.enum(['district', 'street', 'community', 'unit', 'department']),
          })),
        }),
      },
    },
  }, async (request) => ({ items: await deps.scopes.search(request.query.q, 50) }));

  // ---- admin: roles ----
  const manageRoles = permission('roles.manage');

  r.get('/api/admin/permissions', {
    config: { policy: manageRoles },
    schema: {
      tags: ['admin'],
      response: { 200: z.object({ items: z.array(z.object({ code: z.string(), group: z.string(), name: z.string(), nameEn: z.string() })) }) },
    },
  }, async () => ({ items: [...PERMISSIONS] }));

  r.get('/api/admin/roles', {
    config: { policy: { access: 'authenticated' } },
    schema: { tags: ['admin'], summary: 'Roles and their permissions', response: { 200: z.object({ items: z.array(Role) }) } },
  }, async () => ({ items: await accounts.listRoles() }));

  r.post('/api/admin/roles', {
    config: { policy: manageRoles },
    schema: { tags: ['admin'], body: Role.omit({ builtin: true }), response: { 201: Role } },
  }, async (request, reply) => {
    await accounts.createRole(actorOf(request), { ...request.body, builtin: false });
    const role = (await accounts.listRoles()).find((x) => x.code === request.body.code)!;
    return reply.status(201).send(role);
  });

  r.put('/api/admin/roles/:code', {
    config: { policy: manageRoles },
    schema: {
      tags: ['admin'],
      params: z.object({ code: z.string().min(1).max(64) }),
      body: Role.omit({ builtin: true, code: true }),
      response: { 200: Role },
    },
  }, async (request) => {
    await accounts.updateRole(actorOf(request), request.params.code, request.body);
    return (await accounts.listRoles()).find((x) => x.code === request.params.code)!;
  });

  r.delete('/api/admin/roles/:code', {
    config: { policy: manageRoles },
    schema: { tags: ['admin'], params: z.object({ code: z.string().min(1).max(64) }) },
  }, async (request, reply) => {
    await accounts.deleteRole(actorOf(request), request.params.code);
    return reply.status(204).send();
  });

}
