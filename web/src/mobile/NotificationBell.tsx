import { BellOutlined } from '@ant-design/icons';
import { Badge, Button, Drawer, Empty, List, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { LIVE_PATH, portalApi, type NotificationItem } from '../modules/command/api.js';
import { portalText, type PortalKey } from '../modules/command/portal-messages.js';
import { formatDateTime } from '../shell/time.js';
import { useMobileAuth } from './auth.js';
import { useT } from './i18n.js';

/** Overdue notices and a stream that was down: read again this often anyway. */
const POLL_MS = 60_000;
const LIST_SIZE = 20;

/**
 * 消息提醒 on the phone: the console's bell (same API, same words), in the
 * app's top bar. The live feed's `notice` event (a notification written for
 * this worker, e.g. a field task from the map) makes it read again at once;
 * the list opens in a bottom sheet, and opening a notice marks it read and
 * goes to the case's task page.
 */
export function MobileNotificationBell() {
  const { lang } = useT();
  const { state } = useMobileAuth();
  const navigate = useNavigate();
  const pt = useCallback((key: PortalKey) => portalText(lang, key), [lang]);
  const [data, setData] = useState<{ unread: number; items: NotificationItem[] } | null>(null);
  const [open, setOpen] = useState(false);
  const signedIn = state.status === 'authenticated';
  const canFeed = state.status === 'authenticated' && state.me.permissions.includes('incidents.read');

  const load = useCallback(() => {
    // Offline: the last count stays until the network is back.
    portalApi.notifications(LIST_SIZE).then(setData).catch(() => undefined);
  }, []);

  useEffect(() => {
    if (!signedIn) return undefined;
    load();
    const poll = setInterval(load, POLL_MS);
    // The live feed is for those who may read cases (every grid worker); others are polled.
    const source = canFeed ? new EventSource(LIVE_PATH) : null;
    source?.addEventListener('notice', load);
    const again = () => { if (document.visibilityState === 'visible') load(); };
    document.addEventListener('visibilitychange', again);
    window.addEventListener('online', load);
    return () => {
      clearInterval(poll);
      source?.close();
      document.removeEventListener('visibilitychange', again);
      window.removeEventListener('online', load);
    };
  }, [signedIn, canFeed, load]);

  const openNotice = (n: NotificationItem) => {
    if (!n.readAt) portalApi.markRead(n.id).then(load).catch(() => undefined);
    setOpen(false);
    navigate(`/m/tasks/incident/${n.incidentId}`);
  };

  const unread = data?.unread ?? 0;
  return (
    <>
      <Button type="text" data-testid="m-bell" aria-label={pt('bell')} onClick={() => { setOpen(true); load(); }} style={{ width: 44, height: 44 }}>
        <span data-testid="m-bell-count" data-unread={unread}>
          <Badge count={unread} size="small" overflowCount={99}>
            <BellOutlined style={{ fontSize: 22 }} />
          </Badge>
        </span>
      </Button>
      <Drawer
        open={open}
        onClose={() => setOpen(false)}
        placement="bottom"
        size="70%"
        title={pt('bell')}
        extra={unread > 0 ? (
          <Button type="link" data-testid="m-bell-read-all" onClick={() => { portalApi.markAllRead().then(load).catch(() => undefined); }}>{pt('bell.readAll')}</Button>
        ) : null}
        styles={{ body: { padding: '0 12px' } }}
      >
        <div data-testid="m-bell-list">
          {!data || data.items.length === 0 ? (
            <Empty description={pt('bell.empty')} image={Empty.PRESENTED_IMAGE_SIMPLE} />
          ) : (
            <List
              dataSource={data.items}
              renderItem={(n) => (
                <List.Item key={n.id} data-testid={`m-bell-item-${n.kind}`} data-read={n.readAt ? 'yes' : 'no'} onClick={() => openNotice(n)} style={{ cursor: 'pointer', opacity: n.readAt ? 0.55 : 1, minHeight: 44 }}>
                  <div style={{ width: '100%' }}>
                    <Typography.Text strong={!n.readAt} type={n.kind === 'urged' || n.kind === 'overdue' ? 'danger' : undefined}>{pt(`kind.${n.kind}`)}</Typography.Text>
                    <div style={{ display: 'flex', justifyContent: 'space-between', fontSize: 13 }}>
                      <Typography.Text type="secondary">{n.incidentCode}</Typography.Text>
                      <Typography.Text type="secondary">{formatDateTime(n.createdAt)}</Typography.Text>
                    </div>
                  </div>
                </List.Item>
              )}
            />
          )}
        </div>
      </Drawer>
    </>
  );
}
