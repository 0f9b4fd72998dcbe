import { Typography } from 'antd';
import { useEffect, useState } from 'react';
import { formatDateTime } from '../../shell/time.js';
import { clientApi, type HotlineOrder } from './api.js';
import { useClientText } from './messages.js';

/** The 12345 order behind a case, on the staff case page: its number and its own deadline. */
export function HotlineOrderInfo({ incidentId }: { incidentId: number }) {
  const ct = useClientText();
  const [order, setOrder] = useState<HotlineOrder | null>(null);
  useEffect(() => {
    let live = true;
    clientApi.hotlineOrder(incidentId).then((r) => live && setOrder(r.order)).catch(() => live && setOrder(null));
    return () => {
      live = false;
    };
  }, [incidentId]);
  if (!order) return <span>—</span>;
  return (
    <span data-testid="incident-hotline-order">
      <Typography.Text code>{order.externalNo}</Typography.Text>
      {order.deadline && <Typography.Text type="secondary"> {ct('hotline.deadline')}: {formatDateTime(order.deadline)}</Typography.Text>}
    </span>
  );
}
