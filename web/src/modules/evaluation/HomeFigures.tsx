import { BarChartOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Skeleton } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { evaluationApi, useTopArea, type KpiAnswer } from './api.js';
import { KpiFigures } from './KpiFigures.js';
import { useEvaluationText } from './messages.js';
import { currentPeriod, previousOf } from './periods.js';

/** The home page's card for those who read KPIs: this month's key figures beside the previous period's, and the way to the dashboard. */
export default function HomeFigures() {
  const et = useEvaluationText();
  const area = useTopArea();
  const [data, setData] = useState<{ now: KpiAnswer; before: KpiAnswer } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!area) return;
    let live = true;
    const period = currentPeriod('month');
    Promise.all([evaluationApi.kpis(area, period), evaluationApi.kpis(area, previousOf(period))])
      .then(([now, before]) => live && setData({ now, before }))
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [area]);
  if (!area) return null;
  return (
    <Card
      title={`${et('home.title')}${data?.now.name ? ` · ${data.now.name}` : ''}`}
      data-testid="home-figures"
      extra={
        <Link to="/statistics" data-testid="home-open-statistics">
          <Button type="link" icon={<BarChartOutlined />}>{et('home.open')}</Button>
        </Link>
      }
    >
      {error ? <Alert type="error" showIcon title={error} /> : data ? <KpiFigures now={data.now} before={data.before} /> : <Skeleton active />}
    </Card>
  );
}
