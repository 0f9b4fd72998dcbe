import { FileTextOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, List, Skeleton, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { formatDateTime } from '../../shell/time.js';
import { reportApi, type Report } from './api.js';
import { useReportText } from './messages.js';
import { ReportDownloads } from './ReportDownloads.js';

/** The home page's card for those who read reports: the latest few, each with its downloads. */
export default function LatestReports() {
  const rt = useReportText();
  const [items, setItems] = useState<Report[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    reportApi.list(5).then((r) => live && setItems(r.items)).catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, []);
  return (
    <Card
      title={rt('home.title')}
      data-testid="home-reports"
      extra={<Link to="/reports" data-testid="home-open-reports"><Button type="link" icon={<FileTextOutlined />}>{rt('home.all')}</Button></Link>}
    >
      {error ? <Alert type="error" showIcon title={error} /> : items === null ? <Skeleton active /> : items.length === 0 ? <Empty description={rt('empty')} /> : (
        <List
          size="small"
          dataSource={items}
          renderItem={(r) => (
            <List.Item key={r.id} actions={[<ReportDownloads key="d" report={r} />]} data-testid={`home-report-${r.id}`}>
              <List.Item.Meta
                title={<span title={r.scope.code}>{r.title}</span>}
                description={<Typography.Text type="secondary">{rt(`trigger.${r.trigger}`)} · {formatDateTime(r.finishedAt ?? r.createdAt)}</Typography.Text>}
              />
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}
