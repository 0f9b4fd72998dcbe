import { Card, Col, Empty, Row, Statistic, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import { incidentApi, type QueueCount } from './api.js';
import { WARNING_HEX } from './common.js';
import { useIncidentText } from './messages.js';

/**
 * 我的待办 on the home page: each of the caller's queues with how many cases
 * wait and how many of them were urged, so a department sees the pressure
 * the moment it signs in.
 */
/** Urged and overdue first (the pressure on the caller), then the queues with urged cases, then the rest in the server's order. */
function first<T extends { queue: string; urged: number }>(items: readonly T[]): T[] {
  const weight = (q: T) => (q.queue === 'urged' ? 0 : q.queue === 'overdue' ? 1 : q.urged > 0 ? 2 : 3);
  return items.map((q, i) => ({ q, i })).sort((a, b) => weight(a.q) - weight(b.q) || a.i - b.i).map((x) => x.q);
}

export default function MyWorkCard() {
  const it = useIncidentText();
  const { t } = useI18n();
  const [items, setItems] = useState<QueueCount[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    incidentApi
      .queueSummary()
      .then((d) => live && setItems(d.items))
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, []);
  // A role without a queue has no work card at all.
  if (items !== null && items.length === 0) return null;
  const total = (n: number, capped: boolean) => (capped ? t('common.totalCapped', { total: n.toLocaleString('en-US') }) : n.toLocaleString('en-US'));
  return (
    <Card title={it('work.title')} data-testid="home-work" loading={items === null && !error}>
      {error && <Typography.Text type="danger">{error}</Typography.Text>}
      {items && items.length === 0 && <Empty />}
      <Row gutter={[16, 16]}>
        {first(items ?? []).map((q) => (
          <Col key={q.queue} xs={12} md={8} xl={6}>
            <Link to={`/queues?q=${q.queue}`} data-testid={`home-queue-${q.queue}`}>
              <Card size="small" hoverable>
                <Statistic title={it(`queue.${q.queue}`)} value={total(q.total, q.totalCapped)} />
                {q.queue !== 'urged' && q.urged > 0 && (
                  <Typography.Text strong style={{ color: WARNING_HEX.red }} data-testid={`home-queue-urged-${q.queue}`}>
                    {it(q.urgedCapped ? 'work.urgedMore' : 'work.urged', { n: q.urged })}
                  </Typography.Text>
                )}
              </Card>
            </Link>
          </Col>
        ))}
      </Row>
    </Card>
  );
}
