import { translate, type Lang } from './messages.js';

/**
 * The one way the console talks to the server: JSON over fetch with the
 * session cookie, the chosen language in Accept-Language (so server messages
 * come back in it), and failures thrown as ApiError carrying the server's
 * `{code, message, details}`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Codes that mean "there is no valid session": the console goes back to the login page. */
export const SESSION_ENDED_CODES = new Set(['AUTH_REQUIRED', 'AUTH_SESSION_EXPIRED']);

let language: Lang = 'zh-CN';
type Listener = (error: ApiError, path: string) => void;
const listeners = new Set<Listener>();

/** Set by the language switch; every later call sends it. */
export function setApiLanguage(lang: Lang): void {
  language = lang;
}

/** Observes every failed call (the auth context uses it to notice an ended session). */
export function onApiError(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

type Query = Record<string, string | number | boolean | null | undefined>;

/** `path?a=1&b=2`, leaving out empty values. */
export function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

export interface RequestOptions {
  /** Extra headers (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
  /** A raw body (a file upload) sent as is instead of JSON; give its Content-Type in headers. */
  raw?: Blob;
}

export async function apiRequest<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': language };
  if (body !== undefined && !options.raw) headers['Content-Type'] = 'application/json';
  Object.assign(headers, options.headers ?? {});
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.raw ? { body: options.raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw notify(new ApiError(0, 'NETWORK_ERROR', translate(language, 'common.networkError')), path);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (response.ok) return parsed as T;
  const e = (parsed ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
  const error = new ApiError(
    response.status,
    typeof e.code === 'string' ? e.code : `HTTP_${response.status}`,
    typeof e.message === 'string' ? e.message : translate(language, 'common.unexpectedError', { status: response.status }),
    e.details && typeof e.details === 'object' ? (e.details as Record<string, unknown>) : {},
  );
  throw notify(error, path);
}

function notify(error: ApiError, path: string): ApiError {
  for (const l of listeners) l(error, path);
  return error;
}

export const api = {
  get: <T>(path: string, query: Query = {}) => apiRequest<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body: unknown = {}) => apiRequest<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => apiRequest<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => apiRequest<T>('PATCH', path, body),
  delete: <T>(path: string) => apiRequest<T>('DELETE', path),
};

/** The message to show for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** One page of a list. `totalCapped`: the server stopped counting, and more than `total` match. */
export interface Page<T> {
  items: T[];
  total: number;
  totalCapped?: boolean;
}
