import { Alert, Drawer, Empty, Spin, Tag, Timeline, Typography } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { errorMessage } from '../../shell/api.js';
import { formatDateTime } from '../../shell/time.js';
import { gridApi, type GridCard, type GridHistoryItem } from './api.js';
import { useGridText, type GridMessageKey } from './messages.js';

type Text = (key: GridMessageKey, params?: Record<string, string | number>) => string;

function show(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Responsible people as "name title phone、…"; anything else as show(). */
function showAttribute(key: string, v: unknown): string {
  if (key === 'responsible' && Array.isArray(v)) {
    return v
      .map((p) => (p && typeof p === 'object' ? ['name', 'title', 'phone'].map((k) => show((p as Record<string, unknown>)[k])).filter(Boolean).join(' ') : show(p)))
      .join('、');
  }
  return show(v);
}

interface WorkerState {
  userId: number;
  role: 'full_time' | 'part_time';
  username?: string;
  displayName?: string;
}

function workerLabel(w: WorkerState, gt: Text): string {
  // An account no longer found is named as such, never by its internal id.
  return `${w.displayName ?? w.username ?? gt('worker.unnamed')}（${gt(`role.${w.role}`)}）`;
}

/** The before → after lines of one history row: name, attributes key by key, workers added/removed, status, boundary size. */
export function historyDiff(item: GridHistoryItem, gt: Text): ReactNode[] {
  const before = (item.before && typeof item.before === 'object' ? item.before : {}) as Record<string, unknown>;
  const after = (item.after && typeof item.after === 'object' ? item.after : {}) as Record<string, unknown>;
  const lines: ReactNode[] = [];
  const line = (key: string, label: string, from: string, to: string) =>
    lines.push(
      <div key={key} data-testid="grid-history-diff">
        <Typography.Text type="secondary">{label}：</Typography.Text>
        {from ? <Typography.Text delete>{from}</Typography.Text> : gt('history.none')} → <Typography.Text strong>{to || gt('history.none')}</Typography.Text>
      </div>,
    );
  if ('name' in before || 'name' in after) line('name', gt('history.field.name'), show(before.name), show(after.name));
  if ('status' in before || 'status' in after) line('status', gt('history.field.status'), show(before.status), show(after.status));
  if ('attributes' in before || 'attributes' in after) {
    const a = (before.attributes ?? {}) as Record<string, unknown>;
    const b = (after.attributes ?? {}) as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (show(a[k]) !== show(b[k])) line(`attr-${k}`, k === 'responsible' ? gt('card.responsible') : `${gt('history.field.attributes')} ${k}`, showAttribute(k, a[k]), showAttribute(k, b[k]));
    }
  }
  if ('workers' in before || 'workers' in after) {
    const a = (before.workers ?? []) as WorkerState[];
    const b = (after.workers ?? []) as WorkerState[];
    const key = (w: WorkerState) => `${w.userId}:${w.role}`;
    const removed = a.filter((w) => !b.some((x) => key(x) === key(w)));
    const added = b.filter((w) => !a.some((x) => key(x) === key(w)));
    lines.push(
      <div key="workers" data-testid="grid-history-diff">
        <Typography.Text type="secondary">{gt('history.field.workers')}：</Typography.Text>
        {removed.map((w) => <Tag key={`-${key(w)}`} color="red">− {workerLabel(w, gt)}</Tag>)}
        {added.map((w) => <Tag key={`+${key(w)}`} color="green">+ {workerLabel(w, gt)}</Tag>)}
      </div>,
    );
  }
  if (item.geometrySummary) {
    const s = item.geometrySummary;
    lines.push(
      <div key="geometry" data-testid="grid-history-diff">
        <Typography.Text type="secondary">{gt('history.field.geometry')}：</Typography.Text>
        {gt('history.geometryText', { before: s.areaBeforeM2.toLocaleString(), after: s.areaAfterM2.toLocaleString(), vb: s.verticesBefore, va: s.verticesAfter })}
      </div>,
    );
  }
  if (item.related.length > 0) {
    lines.push(<div key="related"><Typography.Text type="secondary">{gt('history.related')}：</Typography.Text>{item.related.join('、')}</div>);
  }
  return lines;
}

/** 变更记录: the grid's history, newest first, each row with what changed. */
export function GridHistoryDrawer({ card, reloadKey, onClose }: { card: GridCard; reloadKey: number; onClose(): void }) {
  const gt = useGridText();
  const [items, setItems] = useState<GridHistoryItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    setItems(null);
    gridApi.history(card.code).then((r) => !cancelled && setItems(r.items), (err: unknown) => !cancelled && setError(errorMessage(err)));
    return () => {
      cancelled = true;
    };
  }, [card.code, reloadKey]);

  return (
    <Drawer open width={520} title={`${gt('history.title')} · ${card.name}`} onClose={onClose} data-testid="grid-history-drawer">
      {error && <Alert type="error" showIcon message={error} />}
      {!items && !error && <Spin />}
      {items && (
        <div data-testid="grid-history-list">
          {items.length === 0 ? <Empty description={gt('card.noHistory')} /> : (
            <Timeline
              items={items.map((h) => ({
                key: h.id,
                children: (
                  <div data-testid="grid-history-item" data-change={h.change}>
                    <b>{gt(`change.${h.change}`)}</b> {formatDateTime(h.at)} {h.username ?? ''}
                    {historyDiff(h, gt)}
                  </div>
                ),
              }))}
            />
          )}
        </div>
      )}
    </Drawer>
  );
}
