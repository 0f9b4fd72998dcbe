import { Alert, Card, Descriptions, List, Space, Spin, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import { clientApi, type SharedDataset } from './api.js';
import { useClientText } from './messages.js';

/** 数据目录: the datasets shared with other systems, how, and with whom. */
export default function CataloguePage() {
  const ct = useClientText();
  const { lang } = useI18n();
  const [items, setItems] = useState<SharedDataset[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    clientApi.catalogue().then((r) => setItems(r.items)).catch((err: unknown) => setError(errorMessage(err)));
  }, []);
  return (
    <div data-testid="page-data-catalogue">
      <Typography.Title level={3}>{ct('catalogue.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{ct('catalogue.intro')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} />}
      {!items && !error && <Spin />}
      <Space direction="vertical" size={16} style={{ width: '100%' }}>
        {(items ?? []).map((d) => (
          <Card key={d.key} title={d.name[lang]} data-testid={`dataset-${d.key}`}>
            <Typography.Paragraph>{d.description[lang]}</Typography.Paragraph>
            <Descriptions column={1} size="small" bordered>
              <Descriptions.Item label={ct('catalogue.access')}>
                {d.access.kind === 'api_key'
                  ? ct('catalogue.access.api_key', { scope: ct(`scope.${d.access.scope}` as Parameters<typeof ct>[0]) })
                  : ct('catalogue.access.session', { permission: d.access.permission })}
              </Descriptions.Item>
              <Descriptions.Item label={ct('catalogue.interfaces')}>
                <List size="small" dataSource={d.interfaces} renderItem={(i) => (
                  <List.Item><Typography.Text code>{`${i.method} ${i.path}`}</Typography.Text> {i.note[lang]}</List.Item>
                )} />
              </Descriptions.Item>
              <Descriptions.Item label={ct('catalogue.fields')}>
                <List size="small" dataSource={d.fields} renderItem={(f) => (
                  <List.Item>{f.label[lang]} <Typography.Text type="secondary">({f.name})</Typography.Text>: {f.masking ? f.masking[lang] : ct('catalogue.noMasking')}</List.Item>
                )} />
              </Descriptions.Item>
              <Descriptions.Item label={ct('catalogue.formats')}>{d.formats.join(' / ')}</Descriptions.Item>
              <Descriptions.Item label={ct('catalogue.clients')}>
                <span data-testid={`dataset-clients-${d.key}`}>
                  {d.access.kind === 'api_key' && d.clients.length > 0 ? d.clients.map((c) => <Tag key={c.id}>{c.name}</Tag>) : ct('catalogue.noClients')}
                </span>
              </Descriptions.Item>
            </Descriptions>
          </Card>
        ))}
      </Space>
    </div>
  );
}
