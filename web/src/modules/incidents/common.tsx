import { LoadingOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Image, Space, Tag, Tooltip, Typography, Upload } from 'antd';
import type { ColumnsType } from 'antd/es/table/index.js';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { useI18n, type I18n } from '../../shell/i18n.js';
import { formatDateTime } from '../../shell/time.js';
import { fileUrl, incidentApi, thumbnailUrl, type Category, type Department, type Incident, type IncidentStatus, type Major, type Page, type Warning } from './api.js';
import { useIncidentText, useMaybeText } from './messages.js';

export const STATUS_COLOURS: Record<IncidentStatus, string> = {
  reported: 'blue',
  registered: 'cyan',
  dispatched: 'geekblue',
  handling: 'processing',
  replied: 'purple',
  verifying: 'purple',
  verified: 'lime',
  closed: 'green',
  rejected: 'default',
  deferred: 'gold',
  merged: 'default',
};

/** Map colours per status (the same families as the tags). */
export const STATUS_HEX: Record<IncidentStatus, string> = {
  reported: '#1677ff',
  registered: '#13c2c2',
  dispatched: '#2f54eb',
  handling: '#0958d9',
  replied: '#722ed1',
  verifying: '#9254de',
  verified: '#7cb305',
  closed: '#389e0d',
  rejected: '#8c8c8c',
  deferred: '#d4b106',
  merged: '#bfbfbf',
};

export const WARNING_HEX: Record<Warning, string> = { none: '#52c41a', amber: '#fa8c16', red: '#f5222d' };

export function StatusTag({ status }: { status: IncidentStatus }) {
  const it = useIncidentText();
  return (
    <Tag color={STATUS_COLOURS[status]} data-testid="incident-status" data-status={status}>
      {it(`status.${status}`)}
    </Tag>
  );
}

/** Amber or red when the clock says so (overdue wins over the stored warning level). */
export function WarningTag({ warning, overdue }: { warning: Warning; overdue: boolean }) {
  const it = useIncidentText();
  const level: Warning = overdue ? 'red' : warning;
  if (level === 'none') return null;
  return (
    <Tag color={level === 'red' ? 'red' : 'orange'} data-testid="incident-warning" data-warning={level}>
      {it(`warning.${level}`)}
    </Tag>
  );
}

/** 督办 mark of an urged case, with when it was last urged on hover. */
export function UrgedTag({ incident }: { incident: Pick<Incident, 'urgeCount' | 'lastUrgedAt'> }) {
  const it = useIncidentText();
  if (incident.urgeCount === 0) return null;
  return (
    <Tooltip title={incident.lastUrgedAt ? it('urged.lastAt', { time: formatDateTime(incident.lastUrgedAt) }) : undefined}>
      <Tag color="volcano" data-testid="incident-urged" data-urge-count={incident.urgeCount}>
        {it('urged.tag', { n: incident.urgeCount })}
      </Tag>
    </Tooltip>
  );
}

/** A deadline, coloured amber or red by the incident's warning level when it is the current one. */
export function DueText({ iso, warning, overdue, short }: { iso: string | null; warning?: Warning; overdue?: boolean; short?: boolean }) {
  if (!iso) return <Typography.Text type="secondary">—</Typography.Text>;
  const level = overdue ? 'red' : warning ?? 'none';
  const colour = level === 'red' ? WARNING_HEX.red : level === 'amber' ? WARNING_HEX.amber : undefined;
  const text = <span style={colour ? { color: colour, fontWeight: 600 } : undefined}>{short ? shortDateTime(iso) : formatDateTime(iso)}</span>;
  return short ? <Tooltip title={formatDateTime(iso)}>{text}</Tooltip> : text;
}

/** `12-03 14:05` in Beijing time: a list's time column fits at 1366 px (the full time is on hover). */
export function shortDateTime(iso: string): string {
  return formatDateTime(iso).slice(5, 16);
}

export interface Reference {
  majors: Major[];
  categories: Category[];
  departments: Department[];
  categoryName(code: string | null | undefined): string;
  departmentName(code: string | null | undefined): string;
  /** Cascader options major → minor (active minors only). */
  categoryOptions: { value: string; label: string; children: { value: string; label: string }[] }[];
}

let cached: Promise<{ majors: Major[]; categories: Category[]; departments: Department[] }> | null = null;

/** Categories and departments, loaded once per page load. */
export function useReference(): Reference | null {
  const { pick } = useI18n();
  const [data, setData] = useState<{ majors: Major[]; categories: Category[]; departments: Department[] } | null>(null);
  useEffect(() => {
    if (!cached) {
      cached = Promise.all([incidentApi.categories(), incidentApi.departments()]).then(([c, d]) => ({ ...c, departments: d.items }));
      cached.catch(() => {
        cached = null;
      });
    }
    let live = true;
    cached.then((d) => live && setData(d)).catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return useMemo(() => {
    if (!data) return null;
    const cats = new Map(data.categories.map((c) => [c.code, c]));
    const majors = new Map(data.majors.map((m) => [m.code, m]));
    const depts = new Map(data.departments.map((d) => [d.code, d]));
    return {
      ...data,
      categoryName(code) {
        if (!code) return '';
        const c = cats.get(code);
        if (c) {
          const m = majors.get(c.majorCode);
          return `${m ? `${pick(m.nameZh, m.nameEn)} / ` : ''}${pick(c.nameZh, c.nameEn)}`;
        }
        const m = majors.get(code);
        return m ? pick(m.nameZh, m.nameEn) : code;
      },
      departmentName(code) {
        if (!code) return '';
        const d = depts.get(code);
        return d ? pick(d.name, d.nameEn) : code;
      },
      categoryOptions: [...data.majors]
        .filter((m) => m.status === 'active')
        .sort((a, b) => a.sort - b.sort || a.code.localeCompare(b.code))
        .map((m) => ({
          value: m.code,
          label: pick(m.nameZh, m.nameEn),
          children: data.categories
            .filter((c) => c.majorCode === m.code && c.status === 'active')
            .map((c) => ({ value: c.code, label: `${pick(c.nameZh, c.nameEn)}` })),
        })),
    };
  }, [data, pick]);
}

/**
 * The table columns of an incident list (queues and search), sized so that
 * every column, deadline and report time included, fits a 1366 px screen;
 * the description takes what is left. Full texts are on hover.
 */
export function useIncidentColumns(ref: Reference | null): ColumnsType<Incident> {
  const it = useIncidentText();
  const mt = useMaybeText();
  const { pick } = useI18n();
  return useMemo(
    () => [
      {
        title: it('col.code'),
        dataIndex: 'code',
        width: 128,
        render: (code: string, r) => (
          <Link to={`/incidents/${r.id}`} data-testid={`incident-link-${r.id}`}>
            {code}
          </Link>
        ),
      },
      {
        title: it('col.status'),
        dataIndex: 'status',
        width: 136,
        render: (_: unknown, r) => (
          <Space size={2} wrap>
            <StatusTag status={r.status} />
            <WarningTag warning={r.warning} overdue={r.overdue} />
            <UrgedTag incident={r} />
          </Space>
        ),
      },
      {
        title: it('col.category'),
        dataIndex: 'categoryCode',
        width: 130,
        ellipsis: { showTitle: false },
        render: (c: string | null) => {
          const minor = c ? ref?.categories.find((x) => x.code === c) : undefined;
          return (
            <Tooltip title={ref?.categoryName(c)}>
              <span>{minor ? pick(minor.nameZh, minor.nameEn) : ref?.categoryName(c) ?? c ?? ''}</span>
            </Tooltip>
          );
        },
      },
      { title: it('col.description'), dataIndex: 'description', ellipsis: true },
      {
        title: it('col.grid'),
        dataIndex: 'gridCode',
        width: 112,
        ellipsis: { showTitle: false },
        render: (code: string, r) => (
          <Tooltip title={`${[r.streetName, r.communityName, r.gridName].filter(Boolean).join(' / ')}（${code}）`}>
            <span data-testid="incident-grid-name">{r.gridName ?? code}</span>
          </Tooltip>
        ),
      },
      {
        title: it('col.department'),
        dataIndex: 'leadDepartmentCode',
        width: 112,
        ellipsis: true,
        render: (c: string | null, r) => {
          const names = (r.assignees ?? []).map((a) => a.userName).filter(Boolean);
          return (
            <span>
              {ref?.departmentName(c) ?? c ?? ''}
              {names.length > 0 && (
                <Typography.Text type="secondary" data-testid="incident-assignee">
                  {' · '}
                  {names.join('、')}
                </Typography.Text>
              )}
            </span>
          );
        },
      },
      { title: it('col.channel'), dataIndex: 'channel', width: 96, ellipsis: true, render: (c: string) => mt('channel', c) },
      {
        title: it('col.reportedAt'),
        dataIndex: 'reportedAt',
        width: 104,
        render: (v: string) => (
          <Tooltip title={formatDateTime(v)}>
            <span data-testid="incident-reported-at">{shortDateTime(v)}</span>
          </Tooltip>
        ),
      },
      {
        title: it('col.dueAt'),
        dataIndex: 'dueAt',
        width: 104,
        render: (_: unknown, r) => (
          <span data-testid="incident-due-at">
            <DueText iso={r.dueAt} warning={r.warning} overdue={r.overdue} short />
          </span>
        ),
      },
    ],
    [it, mt, ref, pick],
  );
}

/** Thumbnails; a click opens the full photo. */
export function PhotoStrip({ hashes, testId }: { hashes: readonly string[]; testId?: string }) {
  const it = useIncidentText();
  if (hashes.length === 0) return <Typography.Text type="secondary">{it('photos.none')}</Typography.Text>;
  return (
    <Image.PreviewGroup>
      <Space wrap size={8} data-testid={testId}>
        {hashes.map((h) => (
          <Image
            key={h}
            width={96}
            height={72}
            style={{ objectFit: 'cover', borderRadius: 4, background: '#f0f0f0' }}
            src={thumbnailUrl(h)}
            preview={{ src: fileUrl(h) }}
            data-testid={`photo-${h.slice(0, 12)}`}
            alt={h.slice(0, 12)}
          />
        ))}
      </Space>
    </Image.PreviewGroup>
  );
}

/**
 * Photo upload with previews: each picked file goes to POST /api/files at
 * once; the value is the list of content hashes.
 */
export function PhotoUpload({ value, onChange, testId, max = 9 }: { value?: string[]; onChange?: (v: string[]) => void; testId: string; max?: number }) {
  const it = useIncidentText();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(0);
  const hashes = value ?? [];
  // Several files may finish uploading before the parent re-renders: add each to the latest list.
  const hashesRef = useRef(hashes);
  hashesRef.current = hashes;
  return (
    <Space wrap size={8} align="start" data-testid={testId}>
      {hashes.map((h) => (
        <Tooltip key={h} title={h.slice(0, 12)}>
          <div style={{ position: 'relative' }}>
            <Image width={96} height={72} style={{ objectFit: 'cover', borderRadius: 4 }} src={thumbnailUrl(h)} preview={{ src: fileUrl(h) }} data-testid={`${testId}-preview`} />
            <a
              style={{ position: 'absolute', top: 0, right: 4, color: '#fff', textShadow: '0 0 2px #000' }}
              onClick={() => onChange?.(hashes.filter((x) => x !== h))}
              aria-label="remove"
            >
              ×
            </a>
          </div>
        </Tooltip>
      ))}
      {hashes.length < max && (
        <Upload
          accept="image/jpeg,image/png,image/webp"
          showUploadList={false}
          multiple
          customRequest={async (options) => {
            setBusy((n) => n + 1);
            try {
              const uploaded = await incidentApi.upload(options.file as Blob);
              const next = [...new Set([...hashesRef.current, uploaded.hash])];
              hashesRef.current = next;
              onChange?.(next);
              options.onSuccess?.(uploaded);
            } catch (err) {
              message.error(errorMessage(err));
              options.onError?.(err as Error);
            } finally {
              setBusy((n) => n - 1);
            }
          }}
        >
          <button
            type="button"
            data-testid={`${testId}-button`}
            style={{ width: 96, height: 72, border: '1px dashed #d9d9d9', borderRadius: 4, background: '#fafafa', cursor: 'pointer' }}
          >
            {busy > 0 ? <LoadingOutlined /> : <PlusOutlined />}
            <div style={{ fontSize: 12 }}>{busy > 0 ? it('photos.uploading') : it('photos.upload')}</div>
          </button>
        </Upload>
      )}
    </Space>
  );
}

/**
 * Pagination for a page whose count may stop at a cap: one more than the
 * total keeps the next page reachable, and the text says "more than".
 */
export function pageTotal(data: Page<unknown> | null, t: I18n['t']): { total: number; showTotal: () => string } {
  const total = data?.total ?? 0;
  const capped = data?.totalCapped ?? false;
  // "10,000": a count past the cap reads as the round number it is.
  return { total: capped ? total + 1 : total, showTotal: () => t(capped ? 'common.totalCapped' : 'common.total', { total: total.toLocaleString('en-US') }) };
}
