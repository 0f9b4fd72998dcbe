import { ArrowLeftOutlined } from '@ant-design/icons';
import { Alert, Card, Descriptions, Result, Space, Spin, Tag, Timeline } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, errorMessage } from '../../shell/api.js';
import { formatDateTime } from '../../shell/time.js';
import { PhotoStrip, StatusTag, useReference } from '../incidents/common.js';
import { EventItem } from '../incidents/IncidentPage.js';
import { useIncidentText, useMaybeText } from '../incidents/messages.js';
import { archiveApi, type ArchivedCase } from './api.js';

/** An archived case (已归档): the case page, read-only, with its timeline and photos. */
export default function ArchivedIncidentPage() {
  const { code = '' } = useParams();
  const it = useIncidentText();
  const mt = useMaybeText();
  const ref = useReference();
  const [detail, setDetail] = useState<ArchivedCase | null>(null);
  const [error, setError] = useState<Error | null>(null);

  useEffect(() => {
    let live = true;
    setDetail(null);
    archiveApi
      .byCode(code)
      .then((d) => live && setDetail(d))
      .catch((err: unknown) => live && setError(err as Error));
    return () => {
      live = false;
    };
  }, [code]);

  if (error) {
    const status = error instanceof ApiError ? error.status : 0;
    return <Result status={status === 404 ? '404' : 'error'} title={status || ''} subTitle={errorMessage(error)} data-testid="incident-error" />;
  }
  if (!detail) return <Spin size="large" style={{ display: 'block', paddingTop: '20vh' }} />;
  const inc = detail.incident;
  // Names, not codes: the grid code shows on hover.
  const place = [inc.streetName, inc.communityName, inc.gridName].filter(Boolean).join(' / ') || inc.gridCode;

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="page-archived-incident">
      <Card
        title={
          <Space wrap>
            <Link to="/incidents" aria-label={it('archive.back')}>
              <ArrowLeftOutlined />
            </Link>
            <span data-testid="incident-code">{inc.code}</span>
            <StatusTag status={inc.status} />
            <Tag data-testid="incident-archived">{it('archive.tag')}</Tag>
          </Space>
        }
      >
        <Alert type="info" showIcon style={{ marginBottom: 16 }} title={it('archive.readOnly', { time: formatDateTime(detail.archivedAt) })} />
        {detail.mergedIntoCode && <Alert type="info" showIcon style={{ marginBottom: 16 }} title={it('detail.mergedInto', { code: detail.mergedIntoCode })} />}
        <Descriptions column={{ xs: 1, md: 2 }} size="small" bordered>
          <Descriptions.Item label={it('detail.category')}>{ref?.categoryName(inc.categoryCode) || '—'}</Descriptions.Item>
          <Descriptions.Item label={it('detail.grid')}>
            <span title={inc.gridCode} data-testid="incident-grid">{place}</span>
          </Descriptions.Item>
          <Descriptions.Item label={it('detail.channel')}>{mt('channel', inc.channel)}</Descriptions.Item>
          <Descriptions.Item label={it('detail.reportedAt')}>{formatDateTime(inc.reportedAt)}</Descriptions.Item>
          <Descriptions.Item label={it('detail.reporter')}>{[inc.reporterName ?? detail.reporterUserName, inc.reporterPhoneMasked].filter(Boolean).join(' ') || '—'}</Descriptions.Item>
          <Descriptions.Item label={it('archive.closedAt')}>{formatDateTime(inc.closedAt ?? inc.updatedAt)}</Descriptions.Item>
          <Descriptions.Item label={it('detail.address')}>{inc.address ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={it('detail.lead')}>{ref?.departmentName(inc.leadDepartmentCode) || '—'}</Descriptions.Item>
          <Descriptions.Item label={it('detail.description')} span={2}>
            <div style={{ whiteSpace: 'pre-wrap' }} data-testid="incident-description">
              {inc.description}
            </div>
          </Descriptions.Item>
          <Descriptions.Item label={it('detail.photos')} span={2}>
            <PhotoStrip hashes={inc.photos} testId="incident-photos" />
          </Descriptions.Item>
        </Descriptions>
      </Card>
      <Card title={it('detail.timeline')} data-testid="incident-timeline">
        <Timeline items={detail.timeline.map((e) => ({ key: e.seq, color: e.toStatus === 'closed' ? 'green' : 'blue', content: <EventItem e={e} it={it} mt={mt} /> }))} />
      </Card>
    </Space>
  );
}
