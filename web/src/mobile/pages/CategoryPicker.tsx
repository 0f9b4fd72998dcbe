import { Drawer, Empty, Input, Tag } from 'antd';
import { useMemo, useState } from 'react';
import type { Category, Major } from '../../modules/incidents/api.js';
import { matchCategories } from '../categories.js';
import { useT } from '../i18n.js';

const RECENT_KEY = 'civicgrid.m.recentCategories';
const RECENT_MAX = 6;

export function recentCategories(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function remember(code: string): void {
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify([code, ...recentCategories().filter((c) => c !== code)].slice(0, RECENT_MAX)));
  } catch {
    // Storage disabled: no recent list.
  }
}

/** A bottom sheet to pick a minor category: search, recently used, then all by major category. */
export function CategoryPicker({ open, onClose, onPick, categories, majors }: {
  open: boolean;
  onClose: () => void;
  onPick: (c: Category) => void;
  categories: readonly Category[];
  majors: readonly Major[];
}) {
  const { t, pick } = useT();
  const [query, setQuery] = useState('');
  const matches = useMemo(() => matchCategories(categories, majors, query), [categories, majors, query]);
  const recent = useMemo(() => {
    if (query.trim()) return [];
    const byCode = new Map(categories.map((c) => [c.code, c]));
    return recentCategories().flatMap((code) => byCode.get(code) ?? []).filter((c) => c.status === 'active');
    // Recomputed when the sheet opens, after a pick changed the list.
  }, [categories, query, open]);
  const groups = useMemo(() => {
    const sorted = [...majors].sort((a, b) => a.sort - b.sort || a.code.localeCompare(b.code));
    return sorted.map((m) => ({ major: m, items: matches.filter((c) => c.majorCode === m.code) })).filter((g) => g.items.length > 0);
  }, [majors, matches]);

  const choose = (c: Category) => {
    remember(c.code);
    setQuery('');
    onPick(c);
  };
  const row = (c: Category) => (
    <button
      key={c.code}
      type="button"
      onClick={() => choose(c)}
      data-testid={`category-${c.code}`}
      style={{ display: 'flex', width: '100%', alignItems: 'center', minHeight: 48, padding: '8px 4px', border: 0, borderBottom: '1px solid #f0f0f0', background: 'none', fontSize: 16, textAlign: 'left' }}
    >
      <span style={{ flex: 1 }}>{pick(c.nameZh, c.nameEn)}</span>
      {c.caseType === 'immediate' && <Tag color="green">{t('category.immediate')}</Tag>}
      <span style={{ color: '#999', fontSize: 13 }}>{c.code}</span>
    </button>
  );

  return (
    <Drawer open={open} onClose={onClose} placement="bottom" size="85%" title={t('category.title')} destroyOnHidden styles={{ body: { paddingTop: 8 } }}>
      <Input.Search
        allowClear
        size="large"
        autoFocus
        placeholder={t('category.search')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        data-testid="category-search"
        style={{ marginBottom: 8 }}
      />
      {recent.length > 0 && (
        <>
          <div style={{ color: '#888', margin: '8px 0 4px' }}>{t('category.recent')}</div>
          {recent.map(row)}
        </>
      )}
      {groups.length === 0 && <Empty description={t('category.empty')} />}
      {groups.map((g) => (
        <div key={g.major.code}>
          <div style={{ color: '#888', margin: '12px 0 4px', position: 'sticky', top: -8, background: '#fff', padding: '4px 0' }}>{pick(g.major.nameZh, g.major.nameEn)}</div>
          {g.items.map(row)}
        </div>
      ))}
    </Drawer>
  );
}
