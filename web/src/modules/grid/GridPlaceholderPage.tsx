import { GlobalOutlined } from '@ant-design/icons';
import { Card, Result } from 'antd';
import { useI18n } from '../../shell/i18n.js';

/** Stands in for the grid map until the grid module's page replaces it in the menu registry. */
export default function GridPlaceholderPage() {
  const { t } = useI18n();
  return (
    <Card data-testid="page-grid">
      <Result icon={<GlobalOutlined />} title={t('grid.placeholder.title')} subTitle={t('grid.placeholder.text')} />
    </Card>
  );
}
