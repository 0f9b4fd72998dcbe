import { BellOutlined } from '@ant-design/icons';
import { Badge, Button, Empty, List, Popover, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { useAuth } from '../../shell/auth.js';
import { formatDateTime } from '../../shell/time.js';
import { LIVE_PATH, portalApi, type NotificationItem } from './api.js';
import { usePortalText } from './portal-messages.js';

/** Re-read after a live event this long later: the notification consumer writes just after the event commits. */
const AFTER_EVENT_MS = [400, 2_000];
/** Overdue notices come from a sweep, not an event: read again this often anyway. */
const POLL_MS = 60_000;

/**
 * 消息提醒: the unread count on a bell in the header, and the latest
 * notifications in its popover. The live feed (SSE) tells it when to read
 * again: any event the user may see may have told him something.
 */
export function NotificationBell() {
  const { can } = useAuth();
  const pt = usePortalText();
  const [data, setData] = useState<{ unread: number; items: NotificationItem[] } | null>(null);
  const [open, setOpen] = useState(false);
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);

  const load = useCallback(() => {
    portalApi.notifications(10).then(setData).catch(() => undefined);
  }, []);

  useEffect(() => {
    load();
    const poll = setInterval(load, POLL_MS);
    let source: EventSource | null = null;
    if (can('incidents.read')) {
      source = new EventSource(LIVE_PATH);
      // A notice is a notification written for this user: read at once.
      source.addEventListener('notice', load);
      source.addEventListener('incident', () => {
        // One re-read per burst of events.
        if (timers.current.length > 0) return;
        timers.current = AFTER_EVENT_MS.map((ms, i) => setTimeout(() => {
          load();
          if (i === AFTER_EVENT_MS.length - 1) timers.current = [];
        }, ms));
      });
    }
    return () => {
      clearInterval(poll);
      source?.close();
      for (const t of timers.current) clearTimeout(t);
      timers.current = [];
    };
  }, [can, load]);

  const read = (n: NotificationItem) => {
    if (n.readAt) return;
    portalApi.markRead(n.id).then(load).catch(() => undefined);
  };

  const content = (
    <div style={{ width: 340 }} data-testid="bell-list">
      {!data || data.items.length === 0 ? (
        <Empty description={pt('bell.empty')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
      ) : (
        <List
          size="small"
          dataSource={data.items}
          renderItem={(n) => (
            <List.Item key={n.id} data-testid={`bell-item-${n.kind}`} style={{ opacity: n.readAt ? 0.55 : 1 }}>
              <Link to={`/incidents/${n.incidentId}`} onClick={() => { read(n); setOpen(false); }} style={{ width: '100%' }}>
                <Typography.Text strong={!n.readAt} type={n.kind === 'urged' || n.kind === 'overdue' ? 'danger' : undefined}>{pt(`kind.${n.kind}`)}</Typography.Text>
                <div style={{ display: 'flex', justifyContent: 'space-between', fontSize: 12 }}>
                  <Typography.Text type="secondary">{n.incidentCode}</Typography.Text>
                  <Typography.Text type="secondary">{formatDateTime(n.createdAt)}</Typography.Text>
                </div>
              </Link>
            </List.Item>
          )}
        />
      )}
      {data && data.unread > 0 && (
        <Button type="link" size="small" data-testid="bell-read-all" onClick={() => { portalApi.markAllRead().then(load).catch(() => undefined); }}>
          {pt('bell.readAll')}
        </Button>
      )}
    </div>
  );
  return (
    <Popover content={content} title={pt('bell')} trigger="click" open={open} onOpenChange={setOpen} placement="bottomRight">
      <Button type="text" data-testid="header-bell" aria-label={pt('bell')}>
        <span data-testid="bell-count" data-unread={data?.unread ?? 0}>
          <Badge count={data?.unread ?? 0} size="small" overflowCount={99}>
            <BellOutlined style={{ fontSize: 18 }} />
          </Badge>
        </span>
      </Button>
    </Popover>
  );
}

/** 最新消息 on the home page: the same notifications, newest first, read by opening them. */
export function NoticesCard() {
  const pt = usePortalText();
  const [data, setData] = useState<{ unread: number; items: NotificationItem[] } | null>(null);
  useEffect(() => {
    portalApi.notifications(8).then(setData).catch(() => setData({ unread: 0, items: [] }));
  }, []);
  return (
    <List
      data-testid="home-notices"
      header={<Typography.Text strong>{pt('notices')}{data && data.unread > 0 ? ` · ${pt('notices.unread', { n: data.unread })}` : ''}</Typography.Text>}
      bordered
      size="small"
      loading={data === null}
      locale={{ emptyText: pt('bell.empty') }}
      dataSource={data?.items ?? []}
      renderItem={(n) => (
        <List.Item key={n.id}>
          <Link to={`/incidents/${n.incidentId}`} onClick={() => { if (!n.readAt) void portalApi.markRead(n.id).catch(() => undefined); }}>
            <Typography.Text strong={!n.readAt} type={n.kind === 'urged' || n.kind === 'overdue' ? 'danger' : undefined}>{pt(`kind.${n.kind}`)}</Typography.Text>
            {'  '}
            <Typography.Text type="secondary">{n.incidentCode}</Typography.Text>
          </Link>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>{formatDateTime(n.createdAt)}</Typography.Text>
        </List.Item>
      )}
    />
  );
}
