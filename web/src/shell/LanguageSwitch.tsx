import { TranslationOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import { api } from './api.js';
import { useAuth } from './auth.js';
import { useI18n } from './i18n.js';

/** Toggles zh-CN / English; the label names the language it switches to. */
export function LanguageSwitch({ type = 'text' }: { type?: 'text' | 'default' }) {
  const { lang, setLang, t } = useI18n();
  const auth = useAuth();
  const toggle = () => {
    const next = lang === 'en' ? 'zh-CN' : 'en';
    setLang(next);
    // The account remembers the choice so it follows the user to other browsers.
    if (auth.state.status === 'authenticated') void api.patch('/api/auth/me', { locale: next }).catch(() => undefined);
  };
  return (
    <Button
      type={type}
      icon={<TranslationOutlined />}
      data-testid="lang-switch"
      data-lang={lang}
      onClick={toggle}
    >
      {t('lang.switchTo')}
    </Button>
  );
}
