import { Alert, App, Button, Card, Checkbox, Descriptions, Form, Input, Space, Table, Tag, Typography, Upload } from 'antd';
import { useState } from 'react';
import { ApiError, errorMessage } from '../../shell/api.js';
import { exchangeApi, type CaseImportAnswer, type ImportProblem } from './api.js';
import { useExchangeText } from './messages.js';

/**
 * 案件交换导入 (docs/exchange.md): choose a file another platform exported,
 * check it (nothing written), then import it; the report lists each bad row
 * by row, field and problem, and the cases written with our codes.
 */
export default function ImportPage() {
  const et = useExchangeText();
  const { message } = App.useApp();
  const [file, setFile] = useState<File | null>(null);
  const [source, setSource] = useState('');
  const [partial, setPartial] = useState(false);
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<CaseImportAnswer | null>(null);
  const [refused, setRefused] = useState<{ message: string; problems: ImportProblem[] } | null>(null);

  const run = async (dryRun: boolean) => {
    if (!file) return void message.warning(et('file.none'));
    if (source.trim() === '') return void message.warning(et('source.none'));
    setBusy(true);
    setRefused(null);
    try {
      setAnswer(await exchangeApi.importCases(file, { source: source.trim(), dryRun, partial }));
    } catch (err) {
      setAnswer(null);
      const problems = err instanceof ApiError ? (err.details as { problems?: ImportProblem[] }).problems : undefined;
      setRefused({ message: errorMessage(err), problems: problems ?? [] });
    } finally {
      setBusy(false);
    }
  };

  const problemTable = (problems: ImportProblem[]) => (
    <Table<ImportProblem> size="small" rowKey={(p) => `${p.row}:${p.field}:${p.code}`} dataSource={problems} pagination={{ pageSize: 20 }} data-testid="exchange-import-problems"
      columns={[
        { title: et('col.row'), dataIndex: 'row', width: 70 },
        { title: et('col.sourceCode'), dataIndex: 'sourceCode', width: 180 },
        { title: et('col.field'), dataIndex: 'field', width: 160 },
        { title: et('col.message'), dataIndex: 'message' },
      ]} />
  );

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Title level={4}>{et('title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{et('intro')}</Typography.Paragraph>
      <Card>
        <Form layout="vertical" style={{ maxWidth: 560 }}>
          <Form.Item label={et('source')} extra={et('source.help')} required>
            <Input value={source} maxLength={40} onChange={(e) => setSource(e.target.value)} data-testid="exchange-import-source" />
          </Form.Item>
          <Form.Item label={et('file')} required>
            <Upload accept=".geojson,.json,.csv" maxCount={1} beforeUpload={(f) => { setFile(f); setAnswer(null); setRefused(null); return false; }}
              onRemove={() => setFile(null)} fileList={file ? [{ uid: 'file', name: file.name }] : []}>
              <Button data-testid="exchange-import-file">{et('file')}</Button>
            </Upload>
          </Form.Item>
          <Form.Item>
            <Checkbox checked={partial} onChange={(e) => setPartial(e.target.checked)}>{et('partial')}</Checkbox>
          </Form.Item>
          <Space>
            <Button loading={busy} onClick={() => void run(true)} data-testid="exchange-import-check">{et('check')}</Button>
            <Button type="primary" loading={busy} onClick={() => void run(false)} data-testid="exchange-import-run">{et('import')}</Button>
          </Space>
        </Form>
      </Card>
      {refused && (
        <Card data-testid="exchange-import-refused">
          <Alert type="error" showIcon title={refused.problems.length > 0 ? et('refused') : refused.message} style={{ marginBottom: 12 }} />
          {refused.problems.length > 0 && problemTable(refused.problems)}
        </Card>
      )}
      {answer && (
        <Card title={answer.dryRun ? et('report.dry') : et('report.done')} data-testid="exchange-import-report">
          <Descriptions size="small" column={5}>
            <Descriptions.Item label={et('report.rows')}>{answer.rows}</Descriptions.Item>
            <Descriptions.Item label={et('report.intake')}><span data-testid="exchange-import-intake">{answer.intake}</span></Descriptions.Item>
            <Descriptions.Item label={et('report.history')}><span data-testid="exchange-import-history">{answer.history}</span></Descriptions.Item>
            <Descriptions.Item label={et('report.known')}>{answer.known}</Descriptions.Item>
            <Descriptions.Item label={et('report.problems')}>{answer.problems.length}</Descriptions.Item>
          </Descriptions>
          {answer.problems.length > 0 && problemTable(answer.problems)}
          {answer.cases.length > 0 && (
            <Table size="small" rowKey="sourceCode" dataSource={answer.cases} pagination={{ pageSize: 20 }}
              columns={[
                { title: et('col.row'), dataIndex: 'row', width: 70 },
                { title: et('col.sourceCode'), dataIndex: 'sourceCode' },
                { title: et('col.code'), dataIndex: 'code' },
                { title: et('col.kind'), dataIndex: 'kind', render: (k: 'intake' | 'history') => <Tag color={k === 'intake' ? 'blue' : 'default'}>{et(`kind.${k}`)}</Tag> },
              ]} />
          )}
        </Card>
      )}
    </Space>
  );
}
