import { ArrowLeftOutlined } from '@ant-design/icons';
import { Button, ConfigProvider, theme } from 'antd';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { useCallback, useEffect, useMemo, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { useI18n } from '../../shell/i18n.js';
import { LanguageSwitch } from '../../shell/LanguageSwitch.js';
import { EChart, type ChartOption } from '../evaluation/EChart.js';
import { WARNING_HEX } from '../incidents/common.js';
import { addGridLayer, boundsOf, createMap, projectionFor, unitGrids, type Features } from '../incidents/maps.js';
import { useIncidentText } from '../incidents/messages.js';
import { applyLiveEvent, commandApi, LIVE_PATH, portalApi, SCREEN_OPEN_STATUSES, type HotSpot, type LiveEvent, type Overview, type ScreenState } from './api.js';
import { useScreenText } from './messages.js';

/** The overview is read again this often (and on the feed's `reset`), so drift from missed or partial events heals. */
const REFRESH_MS = 3 * 60_000;
/** A stream refused outright (not a dropped connection, which EventSource retries itself) is opened again after this. */
const REOPEN_MS = 5_000;
/** The map is redrawn at most this often, however fast events come. */
const MAP_REDRAW_MS = 500;
/** How long after an event naming a new street or category the overview is read again for its name. */
const NAMING_DELAY_MS = 2_000;
/** Events that arrive before the first overview are kept (at most this many) and applied once it is there. */
const EARLY_EVENTS = 200;

const BG = '#06122b';
const PANEL: CSSProperties = { background: 'rgba(13, 38, 84, 0.72)', border: '1px solid #1d4b8f', borderRadius: 6, padding: '10px 14px', display: 'flex', flexDirection: 'column', minHeight: 0, overflow: 'hidden' };
const TITLE: CSSProperties = { color: '#7fb8ff', fontSize: 16, fontWeight: 600, marginBottom: 6, letterSpacing: 1 };
const AXIS = { axisLabel: { color: '#b8cbe8' }, axisLine: { lineStyle: { color: '#35507a' } }, splitLine: { lineStyle: { color: '#1b3358' } } };

function Panel({ title, testId, children, style }: { title: string; testId: string; children: ReactNode; style?: CSSProperties }) {
  return (
    <section style={{ ...PANEL, ...style }} data-testid={testId}>
      <div style={TITLE}>{title}</div>
      <div style={{ flex: 1, minHeight: 0 }}>{children}</div>
    </section>
  );
}

function barOption(labels: string[], values: number[], codes: (string | null)[], horizontal: boolean, colour: string): ChartOption {
  const category = { type: 'category', data: labels, ...AXIS, axisLabel: { color: '#b8cbe8', interval: 0, ...(horizontal ? {} : { rotate: labels.length > 5 ? 30 : 0 }) } };
  const value = { type: 'value', minInterval: 1, ...AXIS };
  return {
    backgroundColor: 'transparent',
    grid: { left: horizontal ? 100 : 40, right: 30, top: 10, bottom: horizontal ? 20 : 50 },
    tooltip: { trigger: 'axis', formatter: (p: { dataIndex: number; name: string; value: number }[]) => `${p[0]!.name}${codes[p[0]!.dataIndex] ? ` (${codes[p[0]!.dataIndex]})` : ''}: ${p[0]!.value}` },
    xAxis: horizontal ? value : category,
    yAxis: horizontal ? { ...category, inverse: true } : value,
    series: [{ type: 'bar', data: values, itemStyle: { color: colour }, barMaxWidth: 22, label: { show: true, position: horizontal ? 'right' : 'top', color: '#e6f0ff' } }],
  };
}

/** The map: unit grid outlines, open cases coloured by warning, on-duty workers. */
function ScreenMap({ overview }: { overview: Pick<Overview, 'cases' | 'workers'> & { hotSpots: HotSpot[] } }) {
  const container = useRef<HTMLDivElement | null>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const latest = useRef(overview);
  latest.current = overview;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [ready, setReady] = useState(false);

  const draw = useCallback(() => {
    timer.current = null;
    const map = mapRef.current;
    if (!map) return;
    const p = projectionFor(map);
    const cases: Features = {
      type: 'FeatureCollection',
      features: latest.current.cases.items.map((c) => ({ type: 'Feature', properties: { code: c.code, warning: c.warning }, geometry: { type: 'Point', coordinates: [c.lng, c.lat] } })),
    };
    const workers: Features = {
      type: 'FeatureCollection',
      features: (latest.current.workers ?? []).map((w) => ({ type: 'Feature', properties: { name: w.name }, geometry: { type: 'Point', coordinates: [w.lng, w.lat] } })),
    };
    (map.getSource('cases') as GeoJSONSource | undefined)?.setData(p.features(cases) as never);
    (map.getSource('workers') as GeoJSONSource | undefined)?.setData(p.features(workers) as never);
    const hot: Features = {
      type: 'FeatureCollection',
      features: latest.current.hotSpots.map((h) => ({ type: 'Feature', properties: { count: h.count }, geometry: { type: 'Point', coordinates: [h.lng, h.lat] } })),
    };
    (map.getSource('hotspots') as GeoJSONSource | undefined)?.setData(p.features(hot) as never);
    map.getContainer().dataset.cases = String(cases.features.length);
    map.getContainer().dataset.hotspots = String(hot.features.length);
  }, []);

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      if (!container.current) return;
      const map = await createMap(container.current);
      if (cancelled) {
        map.remove();
        return;
      }
      mapRef.current = map;
      map.on('load', () => {
        if (map.getLayer('background')) map.setPaintProperty('background', 'background-color', '#081a3a');
        const empty = { type: 'FeatureCollection' as const, features: [] };
        map.addSource('cases', { type: 'geojson', data: empty });
        map.addSource('workers', { type: 'geojson', data: empty });
        map.addSource('hotspots', { type: 'geojson', data: empty });
        // Hot spots: a ring under the cases, larger with more cases.
        map.addLayer({
          id: 'hotspots', type: 'circle', source: 'hotspots',
          paint: { 'circle-color': 'rgba(250, 84, 28, 0.18)', 'circle-radius': ['min', 28, ['+', 10, ['*', 2, ['get', 'count']]]], 'circle-stroke-color': '#fa541c', 'circle-stroke-width': 2 },
        });
        map.addLayer({
          id: 'cases', type: 'circle', source: 'cases',
          paint: {
            'circle-color': ['match', ['get', 'warning'], 'red', WARNING_HEX.red, 'amber', WARNING_HEX.amber, WARNING_HEX.none],
            'circle-radius': ['match', ['get', 'warning'], 'red', 6, 4],
            'circle-stroke-color': '#06122b',
            'circle-stroke-width': 1,
          },
        });
        map.addLayer({ id: 'workers', type: 'circle', source: 'workers', paint: { 'circle-color': '#36cfc9', 'circle-radius': 5, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 } });
        unitGrids()
          .then((fc) => {
            if (cancelled) return;
            addGridLayer(map, 'grids', fc);
            map.setPaintProperty('grids-fill', 'fill-color', '#0f2a57');
            map.setPaintProperty('grids-fill', 'fill-opacity', 0.55);
            map.setPaintProperty('grids-line', 'line-color', '#2f6fc4');
            map.moveLayer('grids-fill', 'cases');
            map.moveLayer('grids-line', 'cases');
            const b = boundsOf(projectionFor(map).features(fc));
            if (b) map.fitBounds(b, { padding: 20, duration: 0 });
          })
          .catch(() => undefined);
        setReady(true);
      });
    })();
    return () => {
      cancelled = true;
      if (timer.current) clearTimeout(timer.current);
      mapRef.current?.remove();
      mapRef.current = null;
    };
  }, []);

  useEffect(() => {
    if (ready && timer.current === null) timer.current = setTimeout(draw, MAP_REDRAW_MS);
  }, [ready, overview, draw]);

  return <div ref={container} data-testid="screen-map" style={{ width: '100%', height: '100%', borderRadius: 4, overflow: 'hidden' }} />;
}

const pad = (n: number) => String(n).padStart(2, '0');
const clock = (iso: string) => {
  const d = new Date(iso);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};
const dueText = (iso: string | null) => {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** Follows the live feed: one EventSource for the page's life, reopened with its cursor if the server refused it. */
function useLiveFeed(onEvent: (e: LiveEvent) => void, onReset: () => void): boolean {
  const [connected, setConnected] = useState(false);
  const handlers = useRef({ onEvent, onReset });
  handlers.current = { onEvent, onReset };
  useEffect(() => {
    let source: EventSource | null = null;
    let reopen: ReturnType<typeof setTimeout> | null = null;
    let cursor = '';
    let stopped = false;
    const open = () => {
      source = new EventSource(cursor ? `${LIVE_PATH}?cursor=${encodeURIComponent(cursor)}` : LIVE_PATH);
      const keep = (m: MessageEvent) => {
        if (m.lastEventId) cursor = m.lastEventId;
      };
      source.addEventListener('open', () => setConnected(true));
      source.addEventListener('incident', (m: MessageEvent<string>) => {
        keep(m);
        handlers.current.onEvent(JSON.parse(m.data) as LiveEvent);
      });
      source.addEventListener('cursor', keep);
      source.addEventListener('reset', (m: MessageEvent) => {
        keep(m);
        handlers.current.onReset();
      });
      source.addEventListener('error', () => {
        setConnected(false);
        // A dropped connection is retried by EventSource itself; a refused one (e.g. 401 after a restart) is closed for good.
        if (source?.readyState === EventSource.CLOSED && !stopped) {
          source.close();
          reopen = setTimeout(open, REOPEN_MS);
        }
      });
    };
    open();
    return () => {
      stopped = true;
      if (reopen) clearTimeout(reopen);
      source?.close();
    };
  }, []);
  return connected;
}

/** 指挥大屏: the command centre's 1920×1080 screen, or a street's when the viewer's scope is a street. */
export default function ScreenPage() {
  const st = useScreenText();
  const it = useIncidentText();
  const { lang, pick } = useI18n();
  const { me } = useAuth();
  const navigate = useNavigate();
  const [state, setState] = useState<ScreenState | null>(null);
  const [extra, setExtra] = useState<Pick<Overview, 'ranking' | 'workers'>>({ ranking: null, workers: null });
  const [hotSpots, setHotSpots] = useState<HotSpot[]>([]);
  const [error, setError] = useState<string | null>(null);
  const early = useRef<LiveEvent[]>([]);
  const loaded = useRef(false);

  const reload = useCallback(async () => {
    try {
      const o = await commandApi.overview();
      loaded.current = true;
      setState((prev) => {
        let next: ScreenState = { figures: { at: o.at, today: o.today, open: o.open, redList: o.redList, cases: o.cases }, ticker: prev?.ticker ?? [] };
        for (const e of early.current) next = applyLiveEvent(next, e);
        early.current = [];
        return next;
      });
      setExtra({ ranking: o.ranking, workers: o.workers });
      setError(null);
      // Hot spots change over days, not seconds: read with the overview, never blocking it.
      portalApi.hotSpots().then((h) => setHotSpots(h.items)).catch(() => undefined);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);

  // A street or category the overview did not list yet has no name: read the overview again, once for a burst.
  const naming = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (naming.current) clearTimeout(naming.current);
  }, []);
  const onEvent = useCallback((e: LiveEvent) => {
    if (!loaded.current) {
      early.current = [...early.current, e].slice(-EARLY_EVENTS);
      return;
    }
    setState((s) => (s ? applyLiveEvent(s, e) : s));
  }, []);
  useEffect(() => {
    const open = state?.figures.open;
    if (!open || naming.current !== null) return;
    if (![...open.byCategory, ...open.byStreet].some((t) => t.code !== null && t.name === null)) return;
    naming.current = setTimeout(() => {
      naming.current = null;
      void reload();
    }, NAMING_DELAY_MS);
  }, [state, reload]);
  const connected = useLiveFeed(onEvent, () => void reload());

  useEffect(() => {
    void reload();
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const street = useMemo(() => {
    const scopes = me?.roles.map((r) => r.scope) ?? [];
    return scopes.length > 0 && scopes.every((s) => s.kind === 'grid' && s.code === scopes[0]!.code && s.code.length === 9) ? scopes[0]!.name : null;
  }, [me]);

  const f = state?.figures;
  const statusOption = useMemo(() => {
    const counts = new Map((f?.open.byStatus ?? []).map((s) => [s.code, s.count]));
    return barOption(SCREEN_OPEN_STATUSES.map((s) => it(`status.${s}` as never)), SCREEN_OPEN_STATUSES.map((s) => counts.get(s) ?? 0), SCREEN_OPEN_STATUSES, false, '#3e8ef7');
  }, [f?.open.byStatus, it]);
  const categoryOption = useMemo(() => {
    const list = (f?.open.byCategory ?? []).slice(0, 10);
    return barOption(list.map((c) => (c.code === null ? st('uncategorised') : pick(c.name ?? st('unknown'), c.nameEn ?? c.name ?? st('unknown')))), list.map((c) => c.count), list.map((c) => c.code), true, '#f5a623');
  }, [f?.open.byCategory, st, pick]);
  const streetOption = useMemo(() => {
    const list = (f?.open.byStreet ?? []).slice(0, 12);
    return barOption(list.map((c) => c.name ?? st('unknown')), list.map((c) => c.count), list.map((c) => c.code), true, '#36cfc9');
  }, [f?.open.byStreet, st]);

  const figure = (key: 'today.reported' | 'today.closed' | 'today.overdue' | 'open.total', value: number | undefined, colour: string, testId: string) => (
    <div style={{ flex: 1, textAlign: 'center' }}>
      <div style={{ color: colour, fontSize: 40, fontWeight: 700, fontFamily: 'DIN, Consolas, monospace' }} data-testid={testId}>{value ?? '—'}</div>
      <div style={{ color: '#b8cbe8', fontSize: 14 }}>{st(key)}</div>
    </div>
  );

  return (
    <ConfigProvider theme={{ algorithm: theme.darkAlgorithm }}>
      <div
        data-testid="page-screen"
        data-live={connected ? 'on' : 'off'}
        style={{ position: 'fixed', inset: 0, background: `radial-gradient(ellipse at top, #0d2a5c 0%, ${BG} 70%)`, color: '#e6f0ff', display: 'grid', gridTemplateRows: '64px 1fr', overflow: 'hidden' }}
      >
        <header style={{ display: 'flex', alignItems: 'center', padding: '0 20px', borderBottom: '1px solid #1d4b8f' }}>
          <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => navigate('/')} data-testid="screen-exit">{st('exit')}</Button>
          <h1 style={{ flex: 1, textAlign: 'center', margin: 0, fontSize: 28, letterSpacing: 4, color: '#e6f0ff' }} data-testid="screen-title">
            {street ? st('title.street', { name: street }) : st('title')}
          </h1>
          <span style={{ color: connected ? '#52c41a' : '#fa8c16', marginRight: 16 }} data-testid="screen-live">● {st(connected ? 'live.on' : 'live.off')}</span>
          {f && <span style={{ color: '#8fa8cc', marginRight: 16 }}>{st('updated', { time: clock(f.at) })}</span>}
          <LanguageSwitch />
        </header>
        {error && <div style={{ position: 'absolute', top: 70, left: '50%', transform: 'translateX(-50%)', color: '#ff7875', zIndex: 2 }} data-testid="screen-error">{st('error', { message: error })}</div>}
        <main style={{ display: 'grid', gridTemplateColumns: '25% 1fr 25%', gap: 12, padding: 12, minHeight: 0 }} lang={lang}>
          <div style={{ display: 'grid', gridTemplateRows: 'auto 1fr 1fr', gap: 12, minHeight: 0 }}>
            <Panel title={st('today')} testId="screen-today">
              <div style={{ display: 'flex', flexWrap: 'wrap', rowGap: 8 }}>
                {figure('today.reported', f?.today.reported, '#3e8ef7', 'screen-today-reported')}
                {figure('today.closed', f?.today.closed, '#52c41a', 'screen-today-closed')}
                {figure('today.overdue', f?.today.overdue, '#f5222d', 'screen-today-overdue')}
                {figure('open.total', f?.open.total, '#f5a623', 'screen-open-total')}
              </div>
            </Panel>
            <Panel title={st('byStatus')} testId="screen-by-status"><EChart option={statusOption} height={240} /></Panel>
            <Panel title={st('byCategory')} testId="screen-by-category"><EChart option={categoryOption} height={260} /></Panel>
          </div>
          <div style={{ display: 'grid', gridTemplateRows: '1fr 190px', gap: 12, minHeight: 0 }}>
            <Panel title={st('map')} testId="screen-map-panel">
              <div style={{ position: 'relative', height: '100%' }}>
                {f && <ScreenMap overview={{ cases: f.cases, workers: extra.workers, hotSpots }} />}
                <div style={{ position: 'absolute', left: 10, bottom: 10, background: 'rgba(6,18,43,0.8)', padding: '6px 10px', borderRadius: 4, fontSize: 13 }} data-testid="screen-map-legend">
                  {(['none', 'amber', 'red'] as const).map((w) => (
                    <span key={w} style={{ marginRight: 12 }}><span style={{ color: WARNING_HEX[w] }}>●</span> {st(`legend.${w}`)}</span>
                  ))}
                  <span style={{ marginRight: 12 }}><span style={{ color: '#36cfc9' }}>●</span> {st('legend.worker')}</span>
                  {f && <span>{st('map.cases', { count: f.cases.items.length })}{f.cases.truncated ? st('map.truncated', { count: f.cases.items.length }) : ''}</span>}
                  {extra.workers && <span style={{ marginLeft: 12 }}>{st('map.workers', { count: extra.workers.length })}</span>}
                </div>
              </div>
            </Panel>
            <Panel title={st('ticker')} testId="screen-ticker">
              <div style={{ overflow: 'hidden', height: '100%', fontSize: 14, lineHeight: '24px' }}>
                {state && state.ticker.length === 0 && <div style={{ color: '#8fa8cc' }}>{st('ticker.empty')}</div>}
                {state?.ticker.map((e) => (
                  <div key={e.eventId} data-testid="screen-ticker-item" style={{ whiteSpace: 'nowrap' }}>
                    <span style={{ color: '#8fa8cc', marginRight: 10 }}>{clock(e.at)}</span>
                    <span style={{ color: e.warning === 'red' ? WARNING_HEX.red : '#e6f0ff', marginRight: 10 }}>{e.code}</span>
                    <span style={{ marginRight: 10 }}>{it(`action.${e.action}` as never)}</span>
                    <span style={{ color: '#7fb8ff' }}>→ {it(`status.${e.toStatus}` as never)}</span>
                  </div>
                ))}
              </div>
            </Panel>
          </div>
          <div style={{ display: 'grid', gridTemplateRows: '1fr 1fr 1fr', gap: 12, minHeight: 0 }}>
            <Panel title={`${st('red')}${f ? ` (${f.redList.length})` : ''}`} testId="screen-red-list">
              <div style={{ overflow: 'auto', height: '100%', fontSize: 13 }}>
                {f && f.redList.length === 0 && <div style={{ color: '#8fa8cc' }}>{st('red.empty')}</div>}
                {f?.redList.map((r) => (
                  <div key={r.incidentId} data-testid="screen-red-item" style={{ display: 'grid', gridTemplateColumns: '120px 1fr 1fr 90px', gap: 6, padding: '3px 0', borderBottom: '1px solid #14335f' }}>
                    <span style={{ color: WARNING_HEX.red }}>{r.code}</span>
                    <span>{r.categoryName ? pick(r.categoryName, r.categoryNameEn ?? r.categoryName) : st('uncategorised')}</span>
                    <span>{r.streetName ?? '—'} · {it(`status.${r.status}` as never)}</span>
                    <span style={{ color: '#ffa39e' }} title={st('due')}>{dueText(r.dueAt)}</span>
                  </div>
                ))}
              </div>
            </Panel>
            <Panel title={st('byStreet')} testId="screen-by-street"><EChart option={streetOption} height={240} /></Panel>
            {extra.ranking && (
              <Panel title={st('ranking')} testId="screen-ranking">
                <div style={{ overflow: 'auto', height: '100%', fontSize: 13 }}>
                  {extra.ranking.items.length === 0 && <div style={{ color: '#8fa8cc' }}>{st('ranking.empty')}</div>}
                  {extra.ranking.items.map((d) => {
                    const move = d.rank !== null && d.previousRank !== null ? d.previousRank - d.rank : 0;
                    return (
                      <div key={d.code} data-testid="screen-ranking-item" style={{ display: 'grid', gridTemplateColumns: '36px 1fr 70px 110px', gap: 6, padding: '3px 0', borderBottom: '1px solid #14335f' }}>
                        <span style={{ color: '#f5a623', fontWeight: 700 }}>{d.rank ?? '—'}</span>
                        <span title={d.code}>{d.name ?? st('unknown')}</span>
                        <span>{d.value === null ? '—' : `${(d.value * 100).toFixed(1)}%`}</span>
                        <span style={{ color: move > 0 ? '#52c41a' : move < 0 ? '#ff7875' : '#8fa8cc' }}>
                          {move > 0 ? '▲ ' : move < 0 ? '▼ ' : ''}{d.previousRank === null ? st('ranking.new') : st('ranking.previous', { rank: d.previousRank })}
                        </span>
                      </div>
                    );
                  })}
                </div>
              </Panel>
            )}
          </div>
        </main>
      </div>
    </ConfigProvider>
  );
}
