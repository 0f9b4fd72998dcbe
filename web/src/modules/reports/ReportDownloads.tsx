import { FileExcelOutlined, FilePdfOutlined } from '@ant-design/icons';
import { Button, Progress, Space, Tag, Tooltip } from 'antd';
import { reportApi, type Report } from './api.js';
import { errorKey, useReportText } from './messages.js';

/** A report's state: download links when done, progress while it runs, the reason when it failed. */
export function ReportDownloads({ report }: { report: Report }) {
  const rt = useReportText();
  if (report.status === 'done') {
    return (
      <Space size={0}>
        <Button type="link" size="small" icon={<FileExcelOutlined />} href={reportApi.fileUrl(report.id, 'xlsx')} data-testid={`report-${report.id}-xlsx`}>
          {rt('download.xlsx')}
        </Button>
        <Button type="link" size="small" icon={<FilePdfOutlined />} href={reportApi.fileUrl(report.id, 'pdf')} data-testid={`report-${report.id}-pdf`}>
          {rt('download.pdf')}
        </Button>
      </Space>
    );
  }
  if (report.status === 'failed') {
    return (
      <Tooltip title={report.error ?? undefined}>
        <Tag color="error">{rt(errorKey(report.error))}</Tag>
      </Tooltip>
    );
  }
  return <Progress percent={report.progress} size="small" style={{ width: 140 }} status="active" data-testid={`report-${report.id}-progress`} />;
}
