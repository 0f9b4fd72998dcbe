import { Tag } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../../shell/api.js';
import type { Lang } from '../../shell/messages.js';

export interface SuggestedCategory {
  code: string;
  nameZh: string;
  nameEn: string;
  majorCode: string;
  confidence: number;
}

const WORDS = {
  'zh-CN': { label: '建议分类', hint: '点击采用' },
  en: { label: 'Suggested', hint: 'click to use' },
} as const;
/** Wait for a pause in typing before asking. */
const DEBOUNCE_MS = 400;
const MIN_CHARS = 4;

/**
 * The category suggester's top 3 for a description, as tags to click: a
 * suggestion with its confidence, never applied by itself. Shows nothing when
 * no model is trained, the text is short, or the network is down. The
 * language comes from the caller: the console and the phone app each have
 * their own i18n provider.
 */
export function CategorySuggestions(props: { text: string | undefined; lang: Lang; onPick(c: SuggestedCategory): void; testId?: string }) {
  const { lang } = props;
  const [items, setItems] = useState<SuggestedCategory[]>([]);
  const text = (props.text ?? '').trim();
  useEffect(() => {
    if (text.length < MIN_CHARS) {
      setItems([]);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api.post<{ suggestions: SuggestedCategory[] }>('/api/incidents/suggest-category', { text })
        .then((r) => live && setItems(r.suggestions))
        .catch(() => live && setItems([]));
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [text]);
  if (items.length === 0) return null;
  const w = WORDS[lang];
  return (
    <div data-testid={props.testId ?? 'category-suggestions'} style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 6, margin: '6px 0' }} title={w.hint}>
      <span style={{ color: '#888', fontSize: 13 }}>{w.label}</span>
      {items.map((c) => (
        <Tag key={c.code} color="blue" style={{ cursor: 'pointer' }} data-testid={`category-suggestion-${c.code}`} onClick={() => props.onPick(c)}>
          {lang === 'en' ? c.nameEn : c.nameZh} {Math.round(c.confidence * 100)}%
        </Tag>
      ))}
    </div>
  );
}
