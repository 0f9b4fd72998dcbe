import { Cascader } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../../shell/api.js';

interface GridItem {
  code: string;
  name: string;
  level: 'district' | 'street' | 'community' | 'unit';
}

interface Option {
  value: string;
  label: string;
  isLeaf: boolean;
  children?: Option[];
}

const optionOf = (g: GridItem): Option => ({ value: g.code, label: g.name, isLeaf: g.level === 'unit' });

/**
 * 街道 → 社区 → 网格: picks a place of the caller's scope by name, loading each
 * level when it is opened. Its value is the chosen codes, the last one the
 * filter (a street or community takes in everything under it).
 */
export function PlacePicker({ value, onChange, placeholder, testId }: { value?: string[]; onChange?: (v: string[]) => void; placeholder?: string; testId?: string }) {
  const [options, setOptions] = useState<Option[]>([]);
  useEffect(() => {
    let live = true;
    // The top level is the highest the caller can see: streets for the district, communities for a street user, …
    (async () => {
      for (const level of ['street', 'community', 'unit'] as const) {
        const page = await api.get<{ items: GridItem[] }>('/api/grids', { level, pageSize: 500 });
        if (page.items.length > 0) return page.items.map(optionOf);
      }
      return [];
    })()
      .then((o) => live && setOptions(o))
      .catch(() => live && setOptions([]));
    return () => {
      live = false;
    };
  }, []);
  return (
    <Cascader
      value={value}
      onChange={(v) => onChange?.((v ?? []).map(String))}
      options={options}
      changeOnSelect
      allowClear
      showSearch={false}
      placeholder={placeholder}
      data-testid={testId}
      loadData={async (selected) => {
        const target = selected[selected.length - 1]!;
        const page = await api.get<{ items: GridItem[] }>('/api/grids', { parent: String(target.value), pageSize: 500 });
        target.children = page.items.map(optionOf);
        setOptions((o) => [...o]);
      }}
    />
  );
}
