import { Button, Input, Modal, Popconfirm, Tag } from 'antd';
import { useState } from 'react';
import { useMobileAuth } from '../auth.js';
import { useT } from '../i18n.js';
import { useOutbox } from '../offline/outbox.js';
import type { OutboxItem, OutboxKind, OutboxState } from '../offline/types.js';
import { errorText, section, shortTime } from '../ui.js';

const STATE_COLOR: Record<OutboxState, string> = { waiting: 'gold', sending: 'processing', sent: 'green', refused: 'red' };

/** A line of what the item is: kind, case code or household, photo count. */
function useSummary() {
  const { t } = useT();
  return (item: OutboxItem): string => {
    const parts = [item.kind === 'action' ? t(`action.${item.payload.type}`) : t(`outbox.kind.${item.kind}`)];
    switch (item.kind) {
      case 'report':
        parts.push(item.payload.body.description.slice(0, 30));
        break;
      case 'action':
        parts.push(item.payload.incidentCode);
        break;
      case 'visit':
        parts.push(item.payload.householdNo);
        break;
      case 'campaign':
        parts.push(item.payload.targetLabel);
        break;
      case 'patrol-points':
        parts.push(t('outbox.points', { count: item.payload.points.length }));
        break;
      case 'clock':
        parts.push(t(`patrol.kind.${item.payload.kind}`));
        break;
      default:
        break;
    }
    if (item.photos.length) parts.push(t('outbox.photos', { count: item.photos.length }));
    return parts.join(' · ');
  };
}

/** The state of one item, with why it waits or was refused. */
function ItemState({ item }: { item: OutboxItem }) {
  const { t } = useT();
  const { pausedForAuth } = useOutbox();
  let note: string | null = null;
  if (item.state === 'refused' && item.lastError) note = errorText(t, item.lastError);
  else if (item.state === 'waiting' && item.lastError) {
    note = pausedForAuth && item.lastError.status === 401
      ? t('outbox.waitLogin')
      : `${errorText(t, item.lastError)} · ${t('outbox.nextTry', { time: shortTime(item.nextAttemptAt).slice(11), n: item.attempts })}`;
  } else if (item.state === 'sent' && item.result?.incidentCode) note = t('outbox.code', { code: item.result.incidentCode });
  return (
    <div>
      <Tag color={STATE_COLOR[item.state]} data-testid="outbox-state" data-state={item.state}>{t(`outbox.state.${item.state}`)}</Tag>
      {note && <span style={{ fontSize: 13, color: item.state === 'refused' ? '#cf1322' : '#666' }} data-testid="outbox-note">{note}</span>}
    </div>
  );
}

/** Edits the free text of a refused item before it is sent again (a report's description, a failed check's reason). */
function editableText(item: OutboxItem): string | null {
  if (item.kind === 'report' && !item.progress.incident) return item.payload.body.description;
  if (item.kind === 'action' && item.payload.type === 'verify-fail') return item.payload.reason ?? '';
  if (item.kind === 'visit') return item.payload.body.summary;
  return null;
}

function withText(item: OutboxItem, text: string): OutboxItem {
  if (item.kind === 'report') return { ...item, payload: { ...item.payload, body: { ...item.payload.body, description: text } } };
  if (item.kind === 'action') return { ...item, payload: { ...item.payload, reason: text, version: null } };
  if (item.kind === 'visit') return { ...item, payload: { ...item.payload, body: { ...item.payload.body, summary: text } } };
  return item;
}

/**
 * Sending again: a verification is retried on the case as it is now (the version it saw is stale). A
 * refused clock-in is not offered again: it holds the place and time of the tap, which do not change.
 */
function forResend(item: OutboxItem): OutboxItem {
  return item.kind === 'action' ? { ...item, payload: { ...item.payload, version: null } } : item;
}

function Row({ item, mine }: { item: OutboxItem; mine: boolean }) {
  const { t } = useT();
  const outbox = useOutbox();
  const summary = useSummary();
  const [editing, setEditing] = useState<string | null>(null);
  const text = editableText(item);
  return (
    <li data-testid="outbox-item" data-kind={item.kind} data-key={item.key} style={{ listStyle: 'none', padding: '10px 0', borderBottom: '1px solid #f0f0f0' }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
        <span style={{ fontWeight: 500 }}>{summary(item)}</span>
        <span style={{ color: '#999', fontSize: 13, whiteSpace: 'nowrap' }}>{shortTime(item.createdAt).slice(5)}</span>
      </div>
      {mine ? <ItemState item={item} /> : <Tag>{t('outbox.otherUser')}</Tag>}
      {mine && item.state === 'refused' && item.seq !== undefined && (
        <div style={{ display: 'flex', gap: 8, marginTop: 6 }}>
          {item.kind !== 'clock' && (
            <Button size="middle" onClick={() => void outbox.resend(item.seq!, forResend)} data-testid="outbox-resend">{t('outbox.resend')}</Button>
          )}
          {text !== null && <Button size="middle" onClick={() => setEditing(text)} data-testid="outbox-edit">{t('outbox.edit')}</Button>}
          <Popconfirm title={t('outbox.confirmDiscard')} onConfirm={() => void outbox.discard(item.seq!)}>
            <Button size="middle" danger data-testid="outbox-discard">{t('outbox.discard')}</Button>
          </Popconfirm>
        </div>
      )}
      <Modal
        open={editing !== null}
        title={t('outbox.edit')}
        onCancel={() => setEditing(null)}
        okText={t('outbox.resend')}
        cancelText={t('common.cancel')}
        okButtonProps={{ disabled: !editing?.trim() }}
        onOk={() => {
          const value = editing?.trim() ?? '';
          setEditing(null);
          void outbox.resend(item.seq!, (i) => withText(i, value));
        }}
      >
        <Input.TextArea value={editing ?? ''} onChange={(e) => setEditing(e.target.value)} autoSize={{ minRows: 3 }} />
      </Modal>
    </li>
  );
}

/** The whole outbox (the Me tab): the signed-in user's items first. */
export function OutboxList() {
  const { t } = useT();
  const { me } = useMobileAuth();
  const { items } = useOutbox();
  const mine = items.filter((i) => i.userId === me?.id);
  const others = items.filter((i) => i.userId !== me?.id);
  return (
    <section style={section} data-testid="outbox">
      <strong>{t('me.outbox')}</strong>
      {items.length === 0 && <div style={{ color: '#999', padding: '8px 0' }}>{t('me.outboxEmpty')}</div>}
      <ul style={{ margin: 0, padding: 0 }}>
        {[...mine, ...others].map((i) => <Row key={i.seq ?? i.key} item={i} mine={i.userId === me?.id} />)}
      </ul>
    </section>
  );
}

/** The last few items of some kinds, under the form that made them. */
export function RecentSends({ kinds, limit = 3 }: { kinds: OutboxKind[]; limit?: number }) {
  const { me } = useMobileAuth();
  const { items } = useOutbox();
  const recent = items.filter((i) => i.userId === me?.id && kinds.includes(i.kind)).slice(0, limit);
  if (recent.length === 0) return null;
  return (
    <section style={section} data-testid="recent-sends">
      <ul style={{ margin: 0, padding: 0 }}>
        {recent.map((i) => <Row key={i.seq ?? i.key} item={i} mine />)}
      </ul>
    </section>
  );
}
