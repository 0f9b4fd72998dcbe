import sharp from 'sharp';
import { expect } from 'vitest';
import type { TestApp } from '../support/http.js';
import { act, D01_CATEGORY } from '../incidents/support.js';

/** A public request from a given client address (no session). */
export function publicRequest(t: TestApp, ip: string, opts: { method?: string; url: string; body?: unknown; headers?: Record<string, string> }) {
  return t.app.inject({
    method: (opts.method ?? 'GET') as 'GET',
    url: opts.url,
    remoteAddress: ip,
    headers: opts.headers ?? {},
    ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
  });
}

/** Staff take a case around the whole loop to closed, through the API (the worker verifies in their own grid). */
export async function handleToClosed(t: TestApp, c: Record<string, string>, id: number): Promise<void> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#2a6' } }).png().toBuffer();
  const upload = await t.request({ method: 'POST', url: '/api/files', cookie: c.handler!, body: png, headers: { 'content-type': 'image/png' } });
  expect(upload.statusCode, upload.body).toBeLessThan(300);
  const steps: [string, Record<string, unknown>][] = [
    ['operator', { type: 'register', categoryCode: D01_CATEGORY.code }],
    ['dispatcher', { type: 'dispatch', leadDepartmentCode: 'D01' }],
    ['handler', { type: 'start-handling' }],
    ['handler', { type: 'reply', result: '已处理，执法队员张队长到场', photos: [upload.json().hash as string] }],
    ['worker', { type: 'verify-pass', note: '现场核查通过（内部备注）' }],
    ['operator', { type: 'close' }],
  ];
  for (const [user, body] of steps) {
    const res = await act(t, c[user]!, id, body);
    expect(res.statusCode, `${user} ${String(body.type)}: ${res.body}`).toBe(200);
  }
}
