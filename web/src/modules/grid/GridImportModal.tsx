import { Alert, Button, Checkbox, Modal, Space, Table, Typography, Upload } from 'antd';
import { useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { gridApi, type ImportReport } from './api.js';
import { useGridText, type GridMessageKey } from './messages.js';

/**
 * Import from the console: the chosen files are checked first (a dry run
 * that lists every problem); "Import" then applies the same files. Export
 * downloads the active tree as GeoJSON.
 */
export function GridImportModal({ onClose, onImported }: { onClose(): void; onImported(): void }) {
  const gt = useGridText();
  const [files, setFiles] = useState<Array<{ name: string; json: unknown }>>([]);
  const [partial, setPartial] = useState(false);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(dryRun: boolean) {
    setBusy(true);
    setError(null);
    try {
      const r = await gridApi.import(files.map((f) => f.json), dryRun, partial);
      setReport(r);
      if (r.applied) onImported();
    } catch (err) {
      const details = (err as { details?: { report?: ImportReport } }).details;
      if (details?.report) setReport(details.report);
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal open title={gt('import.title')} onCancel={onClose} footer={null} width={880} destroyOnHidden>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Upload
          multiple
          accept=".geojson,.json"
          showUploadList={false}
          beforeUpload={async (file) => {
            try {
              const json: unknown = JSON.parse(await file.text());
              setFiles((prev) => [...prev.filter((f) => f.name !== file.name), { name: file.name, json }]);
              setReport(null);
            } catch (err) {
              setError(`${file.name}: ${errorMessage(err)}`);
            }
            return false;
          }}
        >
          <Button data-testid="grid-import-files">{gt('import.files')}</Button>
        </Upload>
        {files.length > 0 && <Typography.Text>{files.map((f) => f.name).join('，')}</Typography.Text>}
        <Checkbox checked={partial} onChange={(e) => setPartial(e.target.checked)}>{gt('import.partial')}</Checkbox>
        <Space>
          <Button data-testid="grid-import-check" disabled={files.length === 0} loading={busy} onClick={() => void run(true)}>{gt('import.check')}</Button>
          <Button data-testid="grid-import-apply" type="primary" disabled={files.length === 0 || !report?.ok || report.applied} loading={busy} onClick={() => void run(false)}>
            {gt('import.apply')}
          </Button>
          <Button href="/api/grids/export" download="grids.geojson">{gt('import.export')}</Button>
        </Space>
        {error && <Alert type="error" showIcon message={error} />}
        {report && (
          <>
            <Alert
              type={report.ok ? 'success' : 'warning'}
              showIcon
              message={report.applied ? gt('import.applied') : report.ok ? gt('import.ok') : gt('import.problems', { count: report.problems.length })}
              description={gt('import.summary', report.counts)}
            />
            {report.problems.length > 0 && (
              <Table
                data-testid="grid-import-problems"
                size="small"
                rowKey={(_, i) => String(i)}
                pagination={{ pageSize: 10 }}
                dataSource={report.problems}
                columns={[
                  { title: gt('import.col.grid'), dataIndex: 'featureCode', width: 160 },
                  { title: gt('import.col.file'), render: (_, p) => (p.file === undefined ? '' : (files[p.file]?.name ?? p.file)), width: 140 },
                  // The problem in words; the server's code and message (with figures such as the area) on hover.
                  { title: gt('import.col.problem'), render: (_, p) => <span title={`${p.code}: ${p.message}`} data-testid="grid-import-problem">{problemText(gt, p)}</span> },
                ]}
              />
            )}
          </>
        )}
      </Space>
    </Modal>
  );
}

/** A grid import problem in the user's language by its code; an unknown code shows the server's message. */
function problemText(gt: ReturnType<typeof useGridText>, p: ImportReport['problems'][number]): string {
  const key = `problem.${p.code}` as GridMessageKey;
  return PROBLEM_CODES.has(p.code) ? gt(key, { other: p.otherCode ?? '' }) : p.message;
}

const PROBLEM_CODES = new Set([
  'FILE_INVALID', 'FEATURE_INVALID', 'CODE_MALFORMED', 'CODE_NOT_NESTED', 'PARENT_MISSING', 'DUPLICATE_CODE', 'GEOMETRY_INVALID', 'RING_NOT_CLOSED',
  'RING_SELF_INTERSECTS', 'OUTSIDE_PARENT', 'GAP_IN_PARENT', 'SIBLINGS_OVERLAP', 'IMPORT_EMPTY', 'DISTRICT_CHANGED', 'DEPARTMENT_UNKNOWN',
]);
