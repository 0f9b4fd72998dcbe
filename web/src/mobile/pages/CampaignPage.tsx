import { App, Button, Empty, Input, InputNumber, Progress, Radio, Segmented, Spin, Tag } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import type { Answer, Campaign, Question, Target } from '../../modules/campaigns/api.js';
import { useMobileAuth } from '../auth.js';
import { useT } from '../i18n.js';
import { useCachedGet } from '../offline/cache.js';
import { useOutbox } from '../offline/outbox.js';
import { PhotoCapture, type CapturedPhoto } from '../photos/PhotoCapture.js';
import { errorText, PageHeader, section, shortTime, StaleNote } from '../ui.js';
import { uuidv4 } from '../uuid.js';

export const CAMPAIGNS_PATH = '/api/campaigns?status=pushed';
const targetsPath = (id: number, status: 'pending' | 'done') => `/api/campaigns/${id}/targets?status=${status}`;

/** 任务 → 中心工作: the pushed campaigns reaching the worker's grids, with their progress there (kept for offline reading). */
export function CampaignList() {
  const { t } = useT();
  const { me } = useMobileAuth();
  const { value, error, loading } = useCachedGet<{ items: Campaign[] }>(me?.id ?? null, CAMPAIGNS_PATH);
  if (!value && loading) return <Spin style={{ display: 'block', padding: 40 }} />;
  if (!value && error) return <div style={{ padding: 16, color: '#cf1322' }}>{errorText(t, error)}</div>;
  const items = value?.data.items ?? [];
  return (
    <>
      {value && <StaleNote savedAt={value.savedAt} stale={value.stale} />}
      {items.length === 0 && <Empty style={{ padding: 32 }} description={t('tasks.empty')} />}
      <ul style={{ margin: 0, padding: 0 }} data-testid="campaign-list">
        {items.map((c) => (
          <li key={c.id} style={{ listStyle: 'none' }}>
            <Link to={`/m/tasks/campaign/${c.id}`} data-testid={`task-campaign-${c.id}`} style={{ ...section, display: 'block', margin: '8px 0', color: 'inherit' }}>
              <strong>{c.title}</strong>
              <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8, fontSize: 13, color: '#666', marginTop: 4 }}>
                <span>{t('campaign.due', { time: shortTime(c.deadline) })}</span>
                <span>{t('campaign.progress', { done: c.progress.done, total: c.progress.total })}</span>
              </div>
              <Progress percent={c.progress.total === 0 ? 0 : Math.round((c.progress.done / c.progress.total) * 100)} size="small" />
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}

/**
 * One campaign: the targets of the worker's grids (to fill, filled) and the form of the one opened.
 * A filled form goes through the outbox (sent when the network is there, kept on the phone until then);
 * the lists are kept for reading offline.
 */
export default function CampaignPage() {
  const { t } = useT();
  const { me } = useMobileAuth();
  const id = Number(useParams().id);
  const [status, setStatus] = useState<'pending' | 'done'>('pending');
  const [open, setOpen] = useState<number | null>(null);
  const campaign = useCachedGet<Campaign>(me?.id ?? null, `/api/campaigns/${id}`);
  const targets = useCachedGet<{ items: Target[]; total: number }>(me?.id ?? null, targetsPath(id, status));
  const outbox = useOutbox();
  const mine = outbox.items.filter((i) => i.kind === 'campaign' && i.payload.campaignId === id);
  const queued = useMemo(() => new Set(mine.filter((i) => i.state === 'waiting' || i.state === 'sending').map((i) => (i.kind === 'campaign' ? i.payload.targetId : 0))), [mine]);
  const sent = mine.filter((i) => i.state === 'sent').length;
  const { reload: reloadTargets } = targets;
  const { reload: reloadCampaign } = campaign;
  // A form confirmed by the server moves its target to the filled list and counts in the progress.
  useEffect(() => {
    if (sent === 0) return;
    reloadTargets();
    reloadCampaign();
  }, [sent, reloadTargets, reloadCampaign]);
  const c = campaign.value?.data;
  if (!c) return <>{campaign.error ? <div style={{ padding: 16, color: '#cf1322' }}>{errorText(t, campaign.error)}</div> : <Spin style={{ display: 'block', padding: 40 }} />}</>;
  const items = (targets.value?.data.items ?? []).filter((x) => status === 'done' || !queued.has(x.targetId));
  const waiting = mine.filter((i) => i.state === 'waiting' || i.state === 'sending');
  return (
    <div data-testid="page-campaign">
      <PageHeader back title={c.title} />
      <div style={{ ...section, margin: 0 }}>
        <div style={{ fontSize: 13, color: '#666' }}>{t('campaign.due', { time: shortTime(c.deadline) })} · <span data-testid="campaign-progress">{t('campaign.progress', { done: c.progress.done, total: c.progress.total })}</span></div>
        <div style={{ fontSize: 13, color: '#ad6800' }}>{t('campaign.online')}</div>
      </div>
      <div style={{ padding: '8px 12px 0' }}>
        <Segmented block value={status} onChange={(v) => setStatus(v as 'pending' | 'done')}
          options={[{ value: 'pending', label: t('campaign.pending') }, { value: 'done', label: t('campaign.done') }]} />
      </div>
      {targets.value && <StaleNote savedAt={targets.value.savedAt} stale={targets.value.stale} />}
      {status === 'pending' && waiting.map((i) => (
        <div key={i.key} style={{ ...section, margin: '8px 0', color: '#888' }} data-testid="campaign-queued">
          {i.kind === 'campaign' ? i.payload.targetLabel : ''} <Tag color="gold">{t('campaign.queued')}</Tag>
        </div>
      ))}
      {items.length === 0 && !targets.loading && <Empty style={{ padding: 32 }} description={t('tasks.empty')} />}
      <ul style={{ margin: 0, padding: 0 }} data-testid="campaign-targets">
        {items.map((target) => (
          <li key={target.targetId} style={{ listStyle: 'none', ...section, margin: '8px 0' }}>
            <button type="button" onClick={() => setOpen(open === target.targetId ? null : target.targetId)} data-testid={`campaign-target-${target.targetId}`}
              style={{ width: '100%', textAlign: 'left', border: 0, background: 'none', padding: 0, fontSize: 16 }}>
              <strong>{target.label}</strong>
              {target.detail && <div style={{ fontSize: 13, color: '#666' }}>{target.detail}</div>}
              {target.response?.problem && <Tag color="red">{t('campaign.problem')}</Tag>}
              {target.response?.incident && <Tag color="volcano">{t('campaign.incident', { code: target.response.incident.code })}</Tag>}
            </button>
            {open === target.targetId && c.status === 'pushed' && (
              <TargetForm campaign={c} target={target} onSaved={() => setOpen(null)} />
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

function TargetForm({ campaign, target, onSaved }: { campaign: Campaign; target: Target; onSaved: () => void }) {
  const { t } = useT();
  const { message } = App.useApp();
  const outbox = useOutbox();
  const [answers, setAnswers] = useState<Record<string, Answer>>(target.response?.answers ?? {});
  const [note, setNote] = useState(target.response?.problemNote ?? '');
  const [busy, setBusy] = useState(false);
  const [photos, setPhotos] = useState<Record<string, CapturedPhoto[]>>({});
  const set = (key: string, value: Answer | undefined) => setAnswers((a) => {
    const next = { ...a };
    if (value === undefined || value === '') delete next[key];
    else next[key] = value;
    return next;
  });
  const submit = async () => {
    // A required photo question needs a photo taken now or one already sent; the server refuses it too.
    const unanswered = campaign.questions.filter((q) => q.type === 'photo' && q.required && (photos[q.key] ?? []).length === 0
      && !(Array.isArray(answers[q.key]) && (answers[q.key] as string[]).length > 0));
    if (unanswered.length > 0) {
      message.error(t('campaign.photoRequired', { label: unanswered.map((q) => q.label).join('、') }));
      return;
    }
    setBusy(true);
    try {
      await outbox.add({
        kind: 'campaign',
        key: uuidv4(),
        photos: Object.entries(photos).flatMap(([questionKey, list]) => list.map((p) => ({ id: p.id, role: 'answer' as const, questionKey, blob: p.blob }))),
        payload: {
          campaignId: campaign.id, targetId: target.targetId, targetLabel: target.label,
          body: { targetId: target.targetId, answers, ...(note.trim() ? { problemNote: note.trim() } : {}) },
        },
      });
      message.success(outbox.online ? t('campaign.saved') : t('report.queuedOffline'));
      onSaved();
    } catch (err) {
      message.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ marginTop: 12 }} data-testid="campaign-form">
      {campaign.questions.map((q) => (
        <div key={q.key} style={{ marginBottom: 12 }}>
          <div style={{ marginBottom: 4 }}>{q.label}{q.required && <span style={{ color: '#cf1322' }}> *</span>}</div>
          {q.type === 'photo'
            ? (
              <>
                {Array.isArray(answers[q.key]) && (answers[q.key] as string[]).length > 0 && (
                  <div style={{ fontSize: 13, color: '#666', marginBottom: 4 }}>{t('campaign.photosKept', { n: (answers[q.key] as string[]).length })}</div>
                )}
                <PhotoCapture photos={photos[q.key] ?? []} onChange={(list) => setPhotos((p) => ({ ...p, [q.key]: list }))}
                  label={(photos[q.key] ?? []).length ? t('report.addPhoto') : t('report.takePhoto')} testId={`answer-${q.key}-photos`} />
              </>
            )
            : <QuestionInput q={q} value={answers[q.key]} onChange={(v) => set(q.key, v)} />}
        </div>
      ))}
      <Input.TextArea rows={2} placeholder={t('campaign.note')} value={note} onChange={(e) => setNote(e.target.value)} data-testid="campaign-note" />
      <Button type="primary" block style={{ marginTop: 8 }} loading={busy} onClick={() => void submit()} data-testid="campaign-submit">{t('common.submit')}</Button>
    </div>
  );
}

function QuestionInput({ q, value, onChange }: { q: Question; value: Answer | undefined; onChange: (v: Answer | undefined) => void }) {
  const { t } = useT();
  if (q.type === 'yes_no') {
    return (
      <Radio.Group value={value} onChange={(e) => onChange(e.target.value as boolean)} data-testid={`answer-${q.key}`}>
        <Radio.Button value={true} data-testid={`answer-${q.key}-yes`}>{t('campaign.yes')}</Radio.Button>
        <Radio.Button value={false} data-testid={`answer-${q.key}-no`}>{t('campaign.no')}</Radio.Button>
      </Radio.Group>
    );
  }
  if (q.type === 'choice') {
    return (
      <Radio.Group value={value} onChange={(e) => onChange(e.target.value as string)} data-testid={`answer-${q.key}`}>
        {(q.options ?? []).map((o) => <Radio.Button key={o} value={o} data-testid={`answer-${q.key}-${o}`}>{o}</Radio.Button>)}
      </Radio.Group>
    );
  }
  if (q.type === 'number') return <InputNumber value={typeof value === 'number' ? value : null} onChange={(v) => onChange(v ?? undefined)} style={{ width: '100%' }} data-testid={`answer-${q.key}`} />;
  return <Input value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value)} data-testid={`answer-${q.key}`} />;
}
