import { TranslationOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import { useI18n } from './i18n.js';

/** Toggles zh-CN / English; the label names the language it switches to. */
export function LanguageSwitch({ type = 'text' }: { type?: 'text' | 'default' }) {
  const { lang, setLang, t } = useI18n();
  return (
    <Button
      type={type}
      icon={<TranslationOutlined />}
      data-testid="lang-switch"
      data-lang={lang}
      onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}
    >
      {t('lang.switchTo')}
    </Button>
  );
}
