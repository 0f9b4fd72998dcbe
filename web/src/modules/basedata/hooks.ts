import type { FormInstance } from 'antd';
import type { TablePaginationConfig } from 'antd/es/table/index.js';
import { useCallback, useEffect, useState } from 'react';
import { ApiError, errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import type { Page } from '../../shell/api.js';
import { basedataApi, type PageQuery } from './api.js';
import { useBasedataText } from './messages.js';

/** Loads once per `fn` (keep it stable with useCallback) and on reload(). */
export function useLoad<T>(fn: () => Promise<T>): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    fn().then((d) => { if (live) { setData(d); setError(null); } }).catch((err: unknown) => { if (live) setError(errorMessage(err)); });
    return () => { live = false; };
  }, [n, fn]);
  const reload = useCallback(() => setN((x) => x + 1), []);
  return { data, error, reload };
}

/** Drops empty strings and undefined, so a cleared filter field is no filter. */
export function cleanFilters<F extends object>(v: F): F {
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined && x !== null && String(x).trim() !== '')
    .map(([k, x]) => [k, typeof x === 'string' ? x.trim() : x])) as F;
}

/**
 * A filtered, paged list (places, components, organizations, key persons):
 * the server answers a page, newest first, with the total counted up to its
 * cap; past the cap the pager says "more than".
 */
export function usePagedList<T, F extends object>(fetcher: (q: F & PageQuery) => Promise<Page<T>>, initial: F) {
  const t = useBasedataText();
  const { t: tt } = useI18n();
  const [filters, setFilters] = useState<F>(initial);
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [data, setData] = useState<Page<T>>({ items: [], total: 0, totalCapped: false });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    fetcher({ ...filters, page, pageSize })
      .then((d) => { if (live) { setData(d); setError(null); } })
      .catch((err: unknown) => { if (live) setError(errorMessage(err)); })
      .finally(() => { if (live) setLoading(false); });
    return () => { live = false; };
  }, [fetcher, filters, page, pageSize, n]);
  const pagination: TablePaginationConfig = {
    current: page,
    pageSize,
    total: data.total,
    showSizeChanger: true,
    showTotal: (total) => (data.totalCapped ? t('totalCapped', { total }) : tt('common.total', { total })),
    onChange: (p, s) => { setPage(s === pageSize ? p : 1); setPageSize(s); },
  };
  return {
    items: data.items, loading, error, pagination,
    search: (f: F) => { setPage(1); setFilters(cleanFilters(f)); },
    reload: () => setN((x) => x + 1),
    /** After registering a record: it is the newest, so it is on the first page. */
    reloadFirst: () => { setPage(1); setN((x) => x + 1); },
  };
}

/**
 * Puts a server refusal next to the field it is about: the field the server
 * names in details.field, or the one `byCode` names for the error code.
 * Answers false when the error belongs to no field (the caller shows it).
 */
export function showFieldError(form: FormInstance, err: unknown, fields: readonly string[], byCode: Record<string, string> = {}): boolean {
  if (!(err instanceof ApiError)) return false;
  const field = typeof err.details.field === 'string' ? err.details.field : byCode[err.code];
  if (!field || !fields.includes(field)) return false;
  form.setFields([{ name: field, errors: [err.message] }]);
  return true;
}

/**
 * Saving a form: busy while the request runs; a refusal lands under the field
 * it is about (see showFieldError) or in `error` for the form to show.
 */
export function useSubmit<V>(form: FormInstance, fields: readonly string[], byCode: Record<string, string>, action: (values: V) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (values: V) => {
    setBusy(true);
    try {
      await action(values);
      setError(null);
    } catch (err) {
      setError(showFieldError(form, err, fields, byCode) ? null : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit: (values: V) => void submit(values) };
}

/**
 * The fields of an edited record that differ from what it was (undefined and
 * null both mean empty), so a PATCH carries only real changes and the audit
 * record names only those.
 */
export function changedFields<T extends object>(values: T, before: object): Partial<T> {
  const was = before as Record<string, unknown>;
  return Object.fromEntries(Object.entries(values).filter(([k, v]) => (v ?? null) !== (was[k] ?? null))) as Partial<T>;
}

/** Tag codes to their names in the current language (empty until loaded). */
export function useTagNames(): Record<string, string> {
  const { pick } = useI18n();
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    basedataApi.tags().then((tags) => setNames(Object.fromEntries(tags.map((t) => [t.code, pick(t.name, t.nameEn)])))).catch(() => undefined);
  }, [pick]);
  return names;
}
