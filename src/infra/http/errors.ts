/**
 * Errors the API answers with: a stable machine-readable code, an HTTP status,
 * details for the client, and a message looked up in the request's language.
 */
export type Locale = 'zh-CN' | 'en';

type Message = string | ((params: Record<string, unknown>) => string);
const messages = new Map<string, { 'zh-CN': Message; en: Message }>();

/** Modules register the messages of their error codes once, at import. */
export function defineMessages(entries: Record<string, { 'zh-CN': Message; en: Message }>): void {
  for (const [code, m] of Object.entries(entries)) messages.set(code, m);
}

export function messageFor(code: string, locale: Locale, params: Record<string, unknown> = {}): string {
  const entry = messages.get(code);
  if (!entry) return code;
  const m = entry[locale];
  return typeof m === 'function' ? m(params) : m;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly details: Record<string, unknown> = {},
    readonly params: Record<string, unknown> = {},
  ) {
    super(messageFor(code, 'en', { ...details, ...params }));
    this.name = 'AppError';
  }
}

export const notFound = (objectType: string) => new AppError(404, 'NOT_FOUND', { objectType });
export const forbidden = (permission?: string) => new AppError(403, 'FORBIDDEN', permission ? { permission } : {});
export const conflict = (details: Record<string, unknown> = {}) => new AppError(409, 'CONFLICT', details);
export const badRequest = (code: string, details: Record<string, unknown> = {}) => new AppError(400, code, details);

/** Picks zh-CN unless the client prefers English. */
export function localeFrom(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return 'zh-CN';
  const first = acceptLanguage.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'zh-CN';
}

defineMessages({
  NOT_FOUND: { 'zh-CN': '对象不存在或无权访问', en: 'Not found' },
  FORBIDDEN: { 'zh-CN': '没有执行此操作的权限', en: 'You do not have permission for this action' },
  CONFLICT: { 'zh-CN': '数据已被他人修改，请刷新后重试', en: 'The object was changed by someone else; reload and try again' },
  VALIDATION_FAILED: { 'zh-CN': '请求参数不正确', en: 'The request is not valid' },
  ROUTE_NOT_FOUND: { 'zh-CN': '接口不存在', en: 'No such endpoint' },
  PAYLOAD_TOO_LARGE: { 'zh-CN': '请求内容过大', en: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { 'zh-CN': '不支持的内容类型', en: 'Unsupported content type' },
  RATE_LIMITED: { 'zh-CN': '请求过于频繁，请稍后再试', en: 'Too many requests; try again later' },
  INTERNAL: { 'zh-CN': '服务器内部错误', en: 'Internal server error' },
  AUTH_REQUIRED: { 'zh-CN': '请先登录', en: 'Please log in' },
  AUTH_SESSION_EXPIRED: { 'zh-CN': '登录已过期，请重新登录', en: 'Your session has expired; please log in again' },
  PASSWORD_CHANGE_REQUIRED: { 'zh-CN': '请先修改密码', en: 'You must change your password first' },
  CSRF_REJECTED: { 'zh-CN': '请求来源不被接受', en: 'Request rejected: must be sent as JSON by the console' },
});
