import { ArrowLeftOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Checkbox, Col, Descriptions, Empty, Result, Row, Space, Spin, Table, Tag, Timeline, Tooltip, Typography } from 'antd';
import { useCallback, useEffect, useState, type HTMLAttributes } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, ApiError, errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { formatDateTime } from '../../shell/time.js';
import { incidentApi, type ActionType, type DepartmentTask, type IncidentDetail, type TimelineEvent } from './api.js';
import { ActionModal, DANGER_ACTIONS } from './ActionModal.js';
import { DueText, PhotoStrip, StatusTag, UrgedTag, useReference, WarningTag, type Reference } from './common.js';
import { MiniMap } from './maps.js';
import { HotlineOrderInfo } from '../clients/HotlineOrderInfo.js';
import { useClientText } from '../clients/messages.js';
import { FieldDispatchCard } from '../command/FieldDispatchCard.js';
import { CascadeCard } from '../cascade/CascadeCard.js';

/** Cases a worker can still be sent to (the server's OPEN_STATUSES). */
const OPEN = new Set(['reported', 'registered', 'dispatched', 'handling', 'replied', 'verifying', 'verified']);
import { useIncidentText, useMaybeText } from './messages.js';

interface GridCardLite {
  code: string;
  name: string;
  chain: { code: string; name: string; level: string }[];
}

/** One timeline entry (also on the archived case page). */
export function EventItem({ e, it, mt }: { e: TimelineEvent; it: ReturnType<typeof useIncidentText>; mt: ReturnType<typeof useMaybeText> }) {
  const data = e.data as { beforePhotos?: string[]; afterPhotos?: string[]; reason?: string; result?: string; leadDepartmentCode?: string };
  const before = Array.isArray(data.beforePhotos) ? data.beforePhotos : [];
  const after = Array.isArray(data.afterPhotos) ? data.afterPhotos : [];
  return (
    <div data-testid={`timeline-event-${e.seq}`} data-action={e.action}>
      <Space size={6} wrap>
        <Typography.Text strong>{mt('action', e.action)}</Typography.Text>
        <Typography.Text type="secondary">
          {e.fromStatus ? `${mt('status', e.fromStatus)} → ` : ''}
          {mt('status', e.toStatus)}
        </Typography.Text>
      </Space>
      <div>
        <Typography.Text>{e.actorName ?? (e.actorUserId ? '—' : it('role.system'))}</Typography.Text>
        {e.actorRole && <Tag style={{ marginLeft: 6 }}>{mt('role', e.actorRole)}</Tag>}
        <Typography.Text type="secondary" style={{ marginLeft: 6 }}>
          {formatDateTime(e.at)}
        </Typography.Text>
      </div>
      {e.action === 'assign' && (
        <div data-testid="timeline-assign">
          {typeof e.data.previousAssigneeName === 'string'
            ? it('event.reassigned', { previous: e.data.previousAssigneeName, name: String(e.data.assigneeName ?? '—') })
            : it('event.assigned', { name: String(e.data.assigneeName ?? '—') })}
        </div>
      )}
      {e.note && <div style={{ whiteSpace: 'pre-wrap' }}>{e.note}</div>}
      {before.length > 0 || after.length > 0 ? (
        <Space direction="vertical" size={4} style={{ marginTop: 4 }}>
          <span>{it('photos.before')}：</span>
          <PhotoStrip hashes={before} />
          <span>{it('photos.after')}：</span>
          <PhotoStrip hashes={after} />
        </Space>
      ) : (
        e.attachments.length > 0 && (
          <div style={{ marginTop: 4 }}>
            <PhotoStrip hashes={e.attachments} testId={`timeline-photos-${e.seq}`} />
          </div>
        )
      )}
    </div>
  );
}

/** 联动处置: each department's part with its deadline, status, reply and assignee (names; the code on hover). */
function TaskTable({ tasks, it, ref }: { tasks: DepartmentTask[]; it: ReturnType<typeof useIncidentText>; ref: Reference | null }) {
  return (
    <Table<DepartmentTask>
      size="small"
      pagination={false}
      rowKey="departmentCode"
      dataSource={tasks}
      data-testid="incident-tasks"
      onRow={(t) => ({ 'data-testid': `task-${t.departmentCode}` }) as HTMLAttributes<HTMLElement>}
      columns={[
        {
          title: it('tasks.department'),
          dataIndex: 'departmentCode',
          width: 200,
          render: (c: string, t) => (
            <Space size={4}>
              <Tooltip title={c}>
                <span data-testid="task-department">{ref?.departmentName(c) ?? c}</span>
              </Tooltip>
              <Tag color={t.role === 'lead' ? 'blue' : 'default'}>{it(`tasks.role.${t.role}`)}</Tag>
            </Space>
          ),
        },
        {
          title: it('tasks.deadline'),
          dataIndex: 'handleBy',
          width: 150,
          render: (_: unknown, t) => <DueText iso={t.handleBy} overdue={t.overdue} />,
        },
        {
          title: it('tasks.status'),
          dataIndex: 'status',
          width: 120,
          render: (_: unknown, t) => (
            <Space size={2} data-testid="task-status">
              <Tag color={t.status === 'replied' ? 'green' : 'gold'}>{it(`tasks.status.${t.status}`)}</Tag>
              {t.overdue && <Tag color="red" data-testid="task-overdue">{it('tasks.overdue')}</Tag>}
            </Space>
          ),
        },
        {
          title: it('tasks.reply'),
          dataIndex: 'result',
          render: (_: unknown, t) =>
            t.status === 'replied' ? (
              <div data-testid="task-reply">
                <div style={{ whiteSpace: 'pre-wrap' }}>{t.result}</div>
                <Typography.Text type="secondary">
                  {t.repliedByName ?? '—'} · {t.repliedAt ? formatDateTime(t.repliedAt) : ''}
                </Typography.Text>
                {t.photos.length > 0 && <PhotoStrip hashes={t.photos} />}
              </div>
            ) : (
              '—'
            ),
        },
        {
          title: it('tasks.assignee'),
          dataIndex: 'assigneeName',
          width: 120,
          render: (name: string | null, t) => (
            <span data-testid="task-assignee">
              {name ?? <Typography.Text type="secondary">{it('tasks.unassigned')}</Typography.Text>}
              {t.assignedToMe && <Tag style={{ marginLeft: 4 }}>{it('tasks.me')}</Tag>}
            </span>
          ),
        },
      ]}
    />
  );
}

/** 事件详情: header, map, photos, timeline and the caller's actions. */
interface CaseRating {
  verdict: 'satisfied' | 'basically_satisfied' | 'unsatisfied';
  comment: string | null;
  source: 'citizen' | 'hotline';
  ratedAt: string;
}

export default function IncidentPage() {
  const { id } = useParams();
  const incidentId = Number(id);
  const it = useIncidentText();
  const ct = useClientText();
  const mt = useMaybeText();
  const { message } = App.useApp();
  const { can } = useAuth();
  const ref = useReference();
  const [detail, setDetail] = useState<IncidentDetail | null>(null);
  const [grid, setGrid] = useState<GridCardLite | null>(null);
  const [rating, setRating] = useState<CaseRating | null>(null);
  // Intake photos an operator released for the public map (modules/citizens).
  const [publicPhotos, setPublicPhotos] = useState<Set<string>>(new Set());
  const mayRelease = can('incidents.register');
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [action, setAction] = useState<ActionType | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const navigate = useNavigate();

  const load = useCallback(async () => {
    try {
      setDetail(await incidentApi.detail(incidentId));
      setError(null);
    } catch (err) {
      setError(err as Error);
    }
  }, [incidentId]);

  useEffect(() => {
    setDetail(null);
    void load();
  }, [load]);

  // The citizen's or 12345 caller's satisfaction rating, once the case is closed (docs/citizens.md).
  const status = detail?.incident.status;
  useEffect(() => {
    if (status !== 'closed') return;
    api.get<{ rating: CaseRating | null }>(`/api/incidents/${incidentId}/rating`).then((r) => setRating(r.rating)).catch(() => setRating(null));
  }, [incidentId, status]);

  useEffect(() => {
    if (!mayRelease) return;
    api.get<{ hashes: string[] }>(`/api/incidents/${incidentId}/public-photos`).then((r) => setPublicPhotos(new Set(r.hashes))).catch(() => setPublicPhotos(new Set()));
  }, [incidentId, mayRelease]);
  const releasePhoto = (hash: string, on: boolean) => {
    api.put(`/api/incidents/${incidentId}/photos/${hash}/public`, { public: on }).then(() => {
      setPublicPhotos((prev) => {
        const next = new Set(prev);
        if (on) next.add(hash);
        else next.delete(hash);
        return next;
      });
    }).catch((err: unknown) => void message.error(errorMessage(err)));
  };

  const gridCode = detail?.incident.gridCode;
  useEffect(() => {
    if (!gridCode) return;
    api.get<GridCardLite>(`/api/grids/${gridCode}`).then(setGrid).catch(() => setGrid(null));
  }, [gridCode]);

  const submit = async (type: ActionType, body: Record<string, unknown>) => {
    if (!detail) return;
    try {
      if (type === 'merge') {
        await api.post(`/api/incidents/${incidentId}/merge`, { ...body, type: undefined, version: detail.incident.version });
        setAction(null);
        message.success(it('detail.done'));
        // The duplicate is closed for good: the survivor is where the work goes on.
        const merged = await incidentApi.detail(incidentId);
        if (merged.incident.mergedInto) navigate(`/incidents/${merged.incident.mergedInto}`);
        else setDetail(merged);
        return;
      } else {
        await incidentApi.act(incidentId, { ...body, version: detail.incident.version });
      }
      setNotice(null);
      setAction(null);
      try {
        setDetail(await incidentApi.detail(incidentId));
      } catch (err) {
        // The action took the case out of the caller's scope (a handler returned it): their queue is where work goes on.
        if (err instanceof ApiError && err.status === 404) {
          navigate('/queues', { state: { notice: it('detail.leftScope', { code: detail.incident.code, action: it(`action.${type}`) }) } });
          return;
        }
        throw err;
      }
      message.success(it('detail.done'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.code === 'CONFLICT') {
        // Someone else acted first: show it, reload, and let the user look again.
        setNotice(it('detail.conflict'));
        setAction(null);
        await load();
        return;
      }
      message.error(errorMessage(err));
    }
  };

  if (error) {
    const status = error instanceof ApiError ? error.status : 0;
    return <Result status={status === 404 ? '404' : 'error'} title={status || ''} subTitle={errorMessage(error)} data-testid="incident-error" />;
  }
  if (!detail) return <Spin size="large" style={{ display: 'block', paddingTop: '20vh' }} />;
  const inc = detail.incident;
  const chain = grid ? [...grid.chain.filter((c) => c.level !== 'district').map((c) => c.name), grid.name].join(' / ') : inc.gridCode;
  const currentDeadline = inc.dueAt;
  const deadlineRow = (label: string, iso: string | null) => (
    <div>
      <Typography.Text type="secondary">{label}：</Typography.Text>
      <DueText iso={iso} {...(iso === currentDeadline ? { warning: inc.warning, overdue: inc.overdue } : {})} />
    </div>
  );

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="page-incident">
      <Card
        title={
          <Space wrap>
            <Link to="/incidents" aria-label={it('detail.back')}>
              <ArrowLeftOutlined />
            </Link>
            <span data-testid="incident-code">{inc.code}</span>
            <StatusTag status={inc.status} />
            <WarningTag warning={inc.warning} overdue={inc.overdue} />
            <UrgedTag incident={inc} />
            {inc.pendingRequest && <Tag color="gold">{it(inc.pendingRequest === 'extension' ? 'action.request-extension' : 'action.request-defer')}</Tag>}
          </Space>
        }
        extra={<Button icon={<ReloadOutlined />} onClick={() => void load()} data-testid="incident-reload" />}
      >
        {notice && <Alert type="warning" showIcon closable title={notice} style={{ marginBottom: 16 }} data-testid="incident-conflict" onClose={() => setNotice(null)} />}
        {inc.mergedInto && <Alert type="info" showIcon style={{ marginBottom: 16 }} title={<Link to={`/incidents/${inc.mergedInto}`} data-testid="incident-merged-into">{it('detail.mergedInto', { code: detail.mergedIntoCode ?? '—' })}</Link>} />}
        <Row gutter={24}>
          <Col xs={24} xl={15}>
            <Descriptions column={{ xs: 1, md: 2 }} size="small" bordered>
              <Descriptions.Item label={it('detail.category')}>
                <span data-testid="incident-category">{ref?.categoryName(inc.categoryCode) || '—'}</span>
              </Descriptions.Item>
              <Descriptions.Item label={it('detail.grid')}>
                <span data-testid="incident-grid">{chain}</span>
              </Descriptions.Item>
              <Descriptions.Item label={it('detail.channel')}>{mt('channel', inc.channel)}</Descriptions.Item>
              <Descriptions.Item label={it('detail.reportedAt')}>{formatDateTime(inc.reportedAt)}</Descriptions.Item>
              <Descriptions.Item label={it('detail.reporter')}>
                <span data-testid="incident-reporter">{[inc.reporterName ?? detail.reporterUserName, inc.reporterPhoneMasked].filter(Boolean).join(' ') || '—'}</span>
              </Descriptions.Item>
              <Descriptions.Item label={it('detail.address')}>{inc.address ?? '—'}</Descriptions.Item>
              {inc.channel === 'hotline_12345' && (
                <Descriptions.Item label={ct('hotline.order')} span={2}>
                  <HotlineOrderInfo incidentId={inc.id} />
                </Descriptions.Item>
              )}
              <Descriptions.Item label={it('detail.lead')}>
                <span data-testid="incident-lead">{ref?.departmentName(inc.leadDepartmentCode) || '—'}</span>
              </Descriptions.Item>
              <Descriptions.Item label={it('detail.coHandlers')}>
                {inc.coHandlerDepartmentCodes.map((c) => ref?.departmentName(c) ?? c).join('、') || '—'}
              </Descriptions.Item>
              <Descriptions.Item label={it('detail.deadlines')} span={2}>
                <Space size={24} wrap data-testid="incident-deadlines">
                  {deadlineRow(it('detail.registerBy'), inc.deadlines.registerBy)}
                  {deadlineRow(it('detail.dispatchBy'), inc.deadlines.dispatchBy)}
                  {deadlineRow(it('detail.handleBy'), inc.deadlines.handleBy)}
                  {deadlineRow(it('detail.verifyBy'), inc.deadlines.verifyBy)}
                </Space>
                <div>
                  <Typography.Text type="secondary">
                    {it('detail.counters', { urge: inc.urgeCount, rework: inc.reworkCount, ret: inc.returnCount, ext: inc.extensionCount })}
                  </Typography.Text>
                </div>
              </Descriptions.Item>
              <Descriptions.Item label={it('detail.description')} span={2}>
                <div style={{ whiteSpace: 'pre-wrap' }} data-testid="incident-description">
                  {inc.description}
                </div>
              </Descriptions.Item>
              <Descriptions.Item label={it('detail.photos')} span={2}>
                <PhotoStrip hashes={inc.photos} testId="incident-photos" />
                {mayRelease && inc.photos.length > 0 && (
                  <Space wrap size={8} style={{ marginTop: 6 }} data-testid="incident-photos-public">
                    {inc.photos.map((h) => (
                      <Checkbox key={h} checked={publicPhotos.has(h)} onChange={(e) => releasePhoto(h, e.target.checked)} data-testid={`photo-public-${h.slice(0, 12)}`}>
                        {it('photos.public', { name: h.slice(0, 6) })}
                      </Checkbox>
                    ))}
                  </Space>
                )}
              </Descriptions.Item>
            </Descriptions>
            <CascadeCard incidentId={inc.id} version={inc.version} loaded={detail} onSent={() => void load()} />
            {detail.extensionPending && (
              <Alert
                type="warning"
                showIcon
                style={{ marginTop: 12 }}
                title={it('detail.extensionPending', {
                  amount: detail.extensionPending.extension.amount,
                  unit: it(`form.unit.${detail.extensionPending.extension.unit}`),
                  reason: detail.extensionPending.reason,
                })}
              />
            )}
            {detail.urges.length > 0 && (
              <Alert
                type="error"
                showIcon
                style={{ marginTop: 12 }}
                data-testid="incident-urges"
                title={it('detail.urgesSummary', { n: detail.urges.length, name: detail.urges[0]!.actorName ?? it('role.system'), time: formatDateTime(detail.urges[0]!.at) })}
                description={
                  <div>
                    {detail.urges.map((u, i) => (
                      <div key={`${u.at}-${i}`} data-testid="incident-urge">
                        {formatDateTime(u.at)} · {u.actorName ?? it('role.system')}
                        {u.note ? `：${u.note}` : ''}
                      </div>
                    ))}
                  </div>
                }
              />
            )}
            {detail.deferPending && <Alert type="warning" showIcon style={{ marginTop: 12 }} title={it('detail.deferPending', { reason: detail.deferPending.reason })} />}
            {detail.tasks.length > 0 && (
              <Card size="small" title={it('tasks.title')} style={{ marginTop: 12 }} data-testid="incident-tasks-card">
                <TaskTable tasks={detail.tasks} it={it} ref={ref} />
                {detail.tasks.some((t) => t.role === 'co' && t.status === 'open') && (inc.status === 'dispatched' || inc.status === 'handling') && (
                  <Typography.Text type="secondary" data-testid="tasks-waiting">
                    {it('tasks.waiting')}
                  </Typography.Text>
                )}
              </Card>
            )}
            {detail.escalation.length > 0 && (
              <Card size="small" title={it('detail.escalation')} style={{ marginTop: 12 }}>
                {detail.escalation.map((c) => (
                  <div key={c.departmentCode}>
                    {ref?.departmentName(c.departmentCode) ?? c.departmentCode}：
                    {c.respondedAt ? `${it('detail.responded')} ${formatDateTime(c.respondedAt)}` : it('detail.awaiting', { time: formatDateTime(c.respondBy) })}
                  </div>
                ))}
              </Card>
            )}
            {rating && (
              <Card size="small" title={it('rating.title')} style={{ marginTop: 12 }} data-testid="incident-rating">
                <Space wrap>
                  <Tag color={rating.verdict === 'unsatisfied' ? 'red' : 'green'} data-testid="incident-rating-verdict">{it(`rating.${rating.verdict}`)}</Tag>
                  <Typography.Text type="secondary">{it(`rating.source.${rating.source}`)} · {formatDateTime(rating.ratedAt)}</Typography.Text>
                </Space>
                {rating.comment && <div style={{ marginTop: 6 }}>{rating.comment}</div>}
              </Card>
            )}
          </Col>
          <Col xs={24} xl={9}>
            <Typography.Title level={5} style={{ marginTop: 0 }}>
              {it('detail.map')}
            </Typography.Title>
            {inc.lng != null && inc.lat != null ? (
              <MiniMap lng={inc.lng} lat={inc.lat} gridCode={inc.gridCode} communityCode={inc.communityCode} />
            ) : (
              <Empty description={it('detail.noPosition')} />
            )}
          </Col>
        </Row>
      </Card>
      <Row gutter={16}>
        <Col xs={24} xl={15}>
          <Card title={it('detail.timeline')} data-testid="incident-timeline">
            <Timeline
              items={detail.timeline.map((e) => ({
                key: e.seq,
                color: e.action === 'warn' ? 'red' : DANGER_ACTIONS.has(e.action as ActionType) ? 'orange' : e.toStatus === 'closed' ? 'green' : 'blue',
                content: <EventItem e={e} it={it} mt={mt} />,
              }))}
            />
          </Card>
        </Col>
        <Col xs={24} xl={9}>
          <Card title={it('detail.actions')} data-testid="incident-actions">
            {detail.allowedActions.length === 0 ? (
              <Space direction="vertical">
                <Typography.Text type="secondary" data-testid="incident-no-actions">
                  {it('detail.noActions')}
                </Typography.Text>
                <Link to="/queues" data-testid="incident-to-queue">
                  {it('detail.toQueue')}
                </Link>
              </Space>
            ) : (
              <Space wrap>
                {detail.allowedActions.map((a) => (
                  <Button key={a} type={DANGER_ACTIONS.has(a) ? 'default' : 'primary'} danger={DANGER_ACTIONS.has(a)} onClick={() => setAction(a)} data-testid={`action-${a}`}>
                    {it(`action.${a}`)}
                  </Button>
                ))}
              </Space>
            )}
          </Card>
          {can('incidents.dispatch') && OPEN.has(inc.status) && inc.lng !== null && (
            <div style={{ marginTop: 16 }}>
              <FieldDispatchCard incidentId={inc.id} verifiable={inc.status === 'replied' || inc.status === 'verifying'} />
            </div>
          )}
        </Col>
      </Row>
      <ActionModal type={action} detail={detail} reference={ref} onCancel={() => setAction(null)} onSubmit={submit} />
    </Space>
  );
}
