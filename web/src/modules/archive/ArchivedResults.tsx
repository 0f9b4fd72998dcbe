import { Alert, Table, Typography } from 'antd';
import { useEffect, useState, type HTMLAttributes } from 'react';
import { useNavigate } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import type { Incident } from '../incidents/api.js';
import { useIncidentColumns, useReference } from '../incidents/common.js';
import { useIncidentText } from '../incidents/messages.js';
import { archiveApi, type ArchivePage } from './api.js';

/** Below a text or code search: the archived cases that match, in a section of their own (the archive has no counts, only "more"). */
export default function ArchivedResults({ q }: { q: string }) {
  const it = useIncidentText();
  const navigate = useNavigate();
  const columns = useIncidentColumns(useReference());
  const [page, setPage] = useState(1);
  const [data, setData] = useState<ArchivePage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const pageSize = 10;

  useEffect(() => setPage(1), [q]);
  useEffect(() => {
    let live = true;
    setLoading(true);
    archiveApi
      .search(q, page, pageSize)
      .then((d) => {
        if (!live) return;
        setData(d);
        setError(null);
      })
      .catch((err: unknown) => live && setError(errorMessage(err)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [q, page]);

  return (
    <div data-testid="archived-results" style={{ marginTop: 24 }}>
      <Typography.Title level={5}>{it('archive.section')}</Typography.Title>
      <Typography.Paragraph type="secondary">{it('archive.sectionHint')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      {data?.truncated && <Alert type="info" showIcon title={it('archive.truncated')} style={{ marginBottom: 12 }} />}
      <Table<Incident>
        rowKey="code"
        size="small"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        locale={{ emptyText: it('archive.none') }}
        scroll={{ x: 1000 }}
        onRow={(r) =>
          ({
            'data-testid': `archived-row-${r.code}`,
            style: { cursor: 'pointer' },
            onClick: (e: React.MouseEvent) => {
              if ((e.target as HTMLElement).closest('a')) return;
              navigate(`/incidents/archived/${r.code}`);
            },
          }) as HTMLAttributes<HTMLElement>
        }
        pagination={{
          current: page,
          pageSize,
          simple: true,
          // No count in the archive: one page more while more may follow.
          total: (page - 1) * pageSize + (data?.items.length ?? 0) + (data?.more ? 1 : 0),
          onChange: setPage,
        }}
      />
    </div>
  );
}
