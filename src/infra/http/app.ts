import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import cookie from '@fastify/cookie';
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import fastifyStatic from '@fastify/static';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { AuditActor } from '../audit/audit.js';
import type { Principal } from '../auth/principal.js';
import { AppError, localeFrom, messageFor, type Locale } from './errors.js';
import type { RegisteredRoute, RoutePolicy } from './policy.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** Why there is no principal: no cookie, or a session that timed out. */
    authProblem: 'AUTH_REQUIRED' | 'AUTH_SESSION_EXPIRED';
    locale: Locale;
  }
}

export const SESSION_COOKIE = 'cg_session';

export interface HttpOptions {
  logger: Logger;
  bodyLimitBytes: number;
  /** Turns the session cookie into a principal, or says why it could not. */
  authenticate(token: string, request: FastifyRequest): Promise<Principal | 'expired' | null>;
  version: string;
  /** Proxies whose X-Forwarded-For is believed (IPs/CIDRs); none by default. */
  trustedProxies?: readonly string[];
  /**
   * Told of every refused request (403, or 404 of an object to a signed-in user) before the answer
   * is sent, so it can be audited; it must not throw.
   */
  onRefused?(request: FastifyRequest, status: number, code: string): Promise<void>;
  /** Folder of the built web console, served with a fallback to index.html for client-side routes. */
  webDir?: string;
  /** Origins of the configured map tiles, allowed by the Content-Security-Policy (e.g. an intranet http: tile server). */
  tileOrigins?: readonly string[];
  /** Where route rate limits count (the database, so every node shares them); in this process when unset. */
  rateLimitStore?: FastifyRateLimitStoreCtor;
}

/** The worker's phone app (web/m/index.html, a second entry of the web build) and its service worker. */
const MOBILE_PREFIX = '/m/';
const MOBILE_INDEX = 'm/index.html';
/** The citizens' public page (web/report/index.html, a third entry of the web build). */
const PUBLIC_PAGE = '/report/';
const MOBILE_SERVICE_WORKER = 'm/sw.js';
const MOBILE_REVALIDATED = new Set([MOBILE_INDEX, MOBILE_SERVICE_WORKER, 'm/manifest.webmanifest']);

/** Paths served by plugins that carry no policy of their own (the API reference pages). */
const DOCS_PREFIX = '/api/docs';

/**
 * Every request's "incoming" and "completed" lines at debug rather than info:
 * at the default level a console's page load would bury the banner and the
 * warnings under dozens of lines. Failed requests still log as errors.
 */
export class QuietRequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null, _request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

export async function createHttpApp(options: HttpOptions): Promise<{ app: FastifyInstance; routes: RegisteredRoute[] }> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new QuietRequestLog(),
    bodyLimit: options.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    // Only configured proxies may name the client: anyone else could pick an IP to escape the login limit.
    trustProxy: options.trustedProxies && options.trustedProxies.length > 0 ? [...options.trustedProxies] : false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api') || route.url.startsWith(DOCS_PREFIX)) return;
    const policy = route.config?.policy;
    if (!policy) throw new Error(`route ${String(route.method)} ${route.url} declares no access policy`);
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url, policy });
    }
  });

  // Built once: @fastify/helmet builds Helmet's middleware (and parses the CSP) anew on every request.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Ant Design injects styles at run time; MapLibre runs workers from blobs.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', 'https:', ...(options.tileOrigins ?? [])],
        workerSrc: ["'self'", 'blob:'],
        // MapLibre fetches raster tiles from its worker.
        connectSrc: ["'self'", 'https:', ...(options.tileOrigins ?? [])],
        scriptSrc: ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, (err) => done(err instanceof Error ? err : undefined));
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false, ...(options.rateLimitStore ? { store: options.rateLimitStore } : {}) });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'CivicGrid API', version: options.version, description: 'Grid-based urban governance platform' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });

  app.decorateRequest('principal', null);
  app.decorateRequest('authProblem', 'AUTH_REQUIRED');
  app.decorateRequest('locale', 'zh-CN');

  app.addHook('onRequest', async (request) => {
    request.locale = localeFrom(request.headers['accept-language']);
    const policy = request.routeOptions.config?.policy;
    if (!policy) return;
    const token = request.cookies[SESSION_COOKIE];
    if (token) {
      const result = await options.authenticate(token, request);
      if (result === 'expired') request.authProblem = 'AUTH_SESSION_EXPIRED';
      else request.principal = result;
    }
    if (policy.access === 'public' || policy.access === 'api-key') return;
    const principal = request.principal;
    if (!principal) throw new AppError(401, request.authProblem);
    if (request.method !== 'GET' && request.method !== 'HEAD') checkOrigin(request);
    const duringChange = policy.access === 'authenticated' && policy.duringPasswordChange === true;
    if ((principal.mustChangePassword || principal.passwordExpired) && !duringChange) {
      throw new AppError(403, 'PASSWORD_CHANGE_REQUIRED');
    }
    if (policy.access === 'permission' && !principal.can(policy.permission)) {
      throw new AppError(403, 'FORBIDDEN', { permission: policy.permission });
    }
  });

  const webRoot = options.webDir ? resolve(options.webDir) : null;
  const hasWeb = webRoot !== null && existsSync(resolve(webRoot, 'index.html'));
  const hasMobile = hasWeb && existsSync(resolve(webRoot, MOBILE_INDEX));
  if (hasWeb) {
    await app.register(fastifyStatic, {
      root: webRoot,
      wildcard: false,
      index: 'index.html',
      setHeaders: (reply, path) => {
        const file = relative(webRoot, path).split(sep).join('/');
        if (!MOBILE_REVALIDATED.has(file)) return;
        // The worker app's shell and service worker are checked on every load so an update reaches phones.
        void reply.header('cache-control', 'no-cache');
        if (file === MOBILE_SERVICE_WORKER) void reply.header('service-worker-allowed', MOBILE_PREFIX);
      },
    });
  } else if (webRoot) {
    app.log.warn({ webRoot }, 'web console not built; run `npm run build:web`');
  }
  app.setNotFoundHandler((request, reply) => {
    if (hasWeb && request.method === 'GET' && !request.url.startsWith('/api')) {
      const path = request.url.split('?')[0]!;
      if (hasMobile && path === MOBILE_PREFIX.slice(0, -1)) {
        void reply.redirect(MOBILE_PREFIX);
        return;
      }
      // The citizens' public page is a folder of the build too (web/report/index.html).
      if (path === PUBLIC_PAGE.slice(0, -1) && existsSync(resolve(webRoot, PUBLIC_PAGE.slice(1), 'index.html'))) {
        void reply.redirect(PUBLIC_PAGE);
        return;
      }
      // The worker app has its own client-side routes under /m/.
      void reply.sendFile(hasMobile && path.startsWith(MOBILE_PREFIX) ? MOBILE_INDEX : 'index.html');
      return;
    }
    const locale = localeFrom(request.headers['accept-language']);
    void reply.status(404).send({ code: 'ROUTE_NOT_FOUND', message: messageFor('ROUTE_NOT_FOUND', locale), details: {} });
  });

  app.setErrorHandler(async (error, request, reply) => {
    const locale = request.locale ?? 'zh-CN';
    const send = (status: number, code: string, details: Record<string, unknown> = {}, params: Record<string, unknown> = {}) =>
      reply.status(status).send({ code, message: messageFor(code, locale, { ...details, ...params }), details });
    if (error instanceof AppError) {
      if (options.onRefused && isRefusal(error, request)) await options.onRefused(request, error.status, error.code);
      return send(error.status, error.code, error.details, error.params);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      return send(400, 'VALIDATION_FAILED', {
        issues: error.validation.map((v) => ({ path: v.instancePath, message: v.message, params: v.params })),
      });
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
      return send(500, 'INTERNAL');
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 413) return send(413, 'PAYLOAD_TOO_LARGE');
    if (status === 415) return send(415, 'UNSUPPORTED_MEDIA_TYPE');
    if (status === 429) return send(429, 'RATE_LIMITED');
    if (status >= 400 && status < 500) return send(status, 'VALIDATION_FAILED', { reason: (error as Error).message });
    request.log.error({ err: error }, 'unhandled error');
    return send(500, 'INTERNAL');
  });

  return { app, routes };
}

/** A refusal worth auditing: any 403, and a 404 of an object to a signed-in user (another scope's objects read as 404). */
function isRefusal(error: AppError, request: FastifyRequest): boolean {
  // Audited where they happen (login), or not a refusal of access (a pending password change).
  if (error.code === 'ACCOUNT_DISABLED' || error.code === 'PASSWORD_CHANGE_REQUIRED') return false;
  if (error.status === 403) return true;
  return error.status === 404 && error.code === 'NOT_FOUND' && request.principal !== null;
}

/**
 * The session cookie is SameSite=Strict; as a second line against cross-site
 * writes, a browser-sent Origin must match the host.
 */
function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (!origin) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new AppError(403, 'CSRF_REJECTED');
  }
  if (host !== request.headers.host) throw new AppError(403, 'CSRF_REJECTED');
}

export function actorOf(request: FastifyRequest): AuditActor {
  return {
    userId: request.principal?.userId ?? null,
    username: request.principal?.username ?? null,
    ip: request.ip,
  };
}

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError(401, 'AUTH_REQUIRED');
  return request.principal;
}
