import { App, Button, Empty, Input, Radio, Spin, Tag } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, errorMessage } from '../../shell/api.js';
import type { HotlineOrder, Verdict } from '../../modules/hotline/api.js';
import { incidentApi } from '../../modules/incidents/api.js';
import { PhotoCapture, type CapturedPhoto } from '../photos/PhotoCapture.js';
import { useT } from '../i18n.js';
import { PageHeader, section, shortTime } from '../ui.js';

const STATE_COLOR = { unassigned: 'red', assigned: 'orange', helped: 'blue', answered: 'green' } as const;

/** 回访: the unsatisfied hotline orders given to the worker (online: the revisit is made by phone or on site anyway). */
export function HotlineList() {
  const { t } = useT();
  const [items, setItems] = useState<HotlineOrder[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.get<{ items: HotlineOrder[] }>('/api/hotline/revisits/mine').then((r) => setItems(r.items)).catch((err: unknown) => setError(errorMessage(err)));
  }, []);
  if (error) return <div style={{ padding: 16, color: '#cf1322' }}>{error}</div>;
  if (!items) return <Spin style={{ display: 'block', padding: 40 }} />;
  // Orders still to work come first.
  const ordered = [...items].sort((a, b) => Number(a.state === 'answered') - Number(b.state === 'answered'));
  return (
    <>
      {ordered.length === 0 && <Empty style={{ padding: 32 }} description={t('tasks.empty')} />}
      <ul style={{ margin: 0, padding: 0 }} data-testid="hotline-list">
        {ordered.map((o) => (
          <li key={o.id} style={{ listStyle: 'none' }}>
            <Link to={`/m/tasks/hotline/${o.id}`} data-testid={`hotline-order-${o.id}`} style={{ ...section, display: 'block', margin: '8px 0', color: 'inherit' }}>
              <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
                <strong>{o.orderNo}</strong>
                <Tag color={STATE_COLOR[o.state]}>{t(`hotline.state.${o.state}`)}</Tag>
              </div>
              <div style={{ color: '#555', margin: '4px 0', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{o.content}</div>
              <div style={{ fontSize: 13, color: '#888' }}>{shortTime(o.receivedAt)} · {o.address}</div>
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}

/** One order: record the help given (帮办), then the answer and the caller's new verdict. */
export default function HotlineOrderPage() {
  const { t } = useT();
  const { message } = App.useApp();
  const id = Number(useParams().id);
  const [order, setOrder] = useState<HotlineOrder | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [help, setHelp] = useState('');
  const [photos, setPhotos] = useState<CapturedPhoto[]>([]);
  const [answer, setAnswer] = useState('');
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [busy, setBusy] = useState(false);
  const show = useCallback((o: HotlineOrder) => {
    setOrder(o);
    setHelp(o.helpNote ?? '');
    setPhotos([]);
    setAnswer(o.answerNote ?? '');
    setVerdict(o.verdict);
  }, []);
  useEffect(() => {
    api.get<HotlineOrder>(`/api/hotline/revisits/${id}`).then(show).catch((err: unknown) => setError(errorMessage(err)));
  }, [id, show]);
  const send = async (path: 'help' | 'answer', body: object | (() => Promise<object>)) => {
    if (!order) return;
    setBusy(true);
    try {
      const payload = typeof body === 'function' ? await body() : body;
      show(await api.post<HotlineOrder>(`/api/hotline/revisits/${order.id}/${path}`, { ...payload, version: order.version }));
      message.success(t('hotline.saved'));
    } catch (err) {
      message.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="page-hotline-order">
      <PageHeader title={order?.orderNo ?? t('hotline.title')} back />
      {error && <div style={{ padding: 16, color: '#cf1322' }}>{error}</div>}
      {!order && !error && <Spin style={{ display: 'block', padding: 40 }} />}
      {order && (
        <>
          <div style={section}>
            <div style={{ marginBottom: 6 }}>{order.content}</div>
            <div style={{ fontSize: 14, color: '#666' }}>{order.address}</div>
            <div style={{ fontSize: 14, color: '#666' }}>{[order.callerName, order.callerPhone].filter(Boolean).join(' ')} · {shortTime(order.receivedAt)}</div>
          </div>
          <div style={section}>
            <div style={{ fontWeight: 600, marginBottom: 6 }}>{t('hotline.help')}</div>
            <Input.TextArea rows={3} maxLength={2000} value={help} onChange={(e) => setHelp(e.target.value)} data-testid="hotline-help-note" />
            {order.helpPhotos.length > 0 && <div style={{ fontSize: 13, color: '#888', marginTop: 4 }}>{t('hotline.photosKept', { n: order.helpPhotos.length })}</div>}
            <div style={{ marginTop: 8 }}>
              <PhotoCapture photos={photos} onChange={setPhotos} label={t('hotline.photos')} testId="hotline-help-photos" />
            </div>
            <Button block type="primary" style={{ marginTop: 8 }} loading={busy} disabled={help.trim() === ''} data-testid="hotline-help"
              onClick={() => void send('help', async () => {
                // New photos replace the kept ones only when some were taken; the note alone keeps them.
                const uploaded = [];
                for (const p of photos) uploaded.push((await incidentApi.upload(p.blob)).hash);
                return { note: help.trim(), photos: photos.length > 0 ? uploaded : order.helpPhotos };
              })}>{t('hotline.saveHelp')}</Button>
          </div>
          {order.helpedAt !== null && (
            <div style={section}>
              <div style={{ fontWeight: 600, marginBottom: 6 }}>{t('hotline.answer')}</div>
              <Input.TextArea rows={3} maxLength={2000} value={answer} onChange={(e) => setAnswer(e.target.value)} data-testid="hotline-answer-note" />
              <Radio.Group value={verdict} onChange={(e) => setVerdict(e.target.value as Verdict)} style={{ marginTop: 8 }} data-testid="hotline-verdict">
                <Radio value="satisfied">{t('hotline.satisfied')}</Radio>
                <Radio value="unsatisfied">{t('hotline.unsatisfied')}</Radio>
              </Radio.Group>
              <Button block type="primary" style={{ marginTop: 8 }} loading={busy} disabled={answer.trim() === '' || verdict === null} data-testid="hotline-answer"
                onClick={() => void send('answer', { note: answer.trim(), verdict })}>{t('hotline.saveAnswer')}</Button>
            </div>
          )}
        </>
      )}
    </div>
  );
}
