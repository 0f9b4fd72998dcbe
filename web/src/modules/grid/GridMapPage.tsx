import { AimOutlined, CloseOutlined, EditOutlined, HistoryOutlined, ImportOutlined, TeamOutlined } from '@ant-design/icons';
import { Alert, AutoComplete, Button, Card, Checkbox, Descriptions, Drawer, Input, List, Segmented, Select, Space, Spin, Tag, Typography } from 'antd';
import { Map as MapLibreMap, Marker, setWorkerUrl, type GeoJSONSource, type MapLayerMouseEvent } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import maplibreWorkerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorMessage } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { formatDateTime } from '../../shell/time.js';
import { gridApi, type DepartmentSummary, type GridCard, type GridLevel, type GridListItem, type MapFeatureCollection } from './api.js';
import { baseStyle, hasTiles, projectionOf, watchBasemap, type MapSettings } from './basemap.js';
import { GridEditModal } from './GridEditModal.js';
import { GridHistoryDrawer } from './GridHistoryDrawer.js';
import { GridWorkersModal } from './GridWorkersModal.js';
import { GridImportModal } from './GridImportModal.js';
import { useGridText } from './messages.js';
import { partyApi } from '../party/api.js';

// MapLibre looks for its worker beside its own module, which bundling moves; point it at the emitted copy.
setWorkerUrl(maplibreWorkerUrl);

/** The levels the map switches between (the district is one outline, always drawn). */
const MAP_LEVELS: GridLevel[] = ['street', 'community', 'unit'];
/** HTML labels in view at most (with no internet there are no glyphs for a symbol layer). */
const MAX_LABELS = 300;
const SOURCE = 'grids';
const CONTEXT = 'context';
/** The chosen department's own grids (专业网格), drawn over the tree. */
const DEPARTMENT = 'department';
const EMPTY_FC = { type: 'FeatureCollection' as const, features: [] };
/** The 党建 layer: communities sized by their party organisations, and each organisation as a dot. */
const PARTY = 'party';

function boundsOf(fc: MapFeatureCollection): [[number, number], [number, number]] | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as [number, number];
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    } else if (Array.isArray(c)) c.forEach(walk);
  };
  for (const f of fc.features) walk(f.geometry.coordinates);
  return Number.isFinite(minX) ? [[minX, minY], [maxX, maxY]] : null;
}

/** 网格地图: the grid tree on a map, with search, a card per grid and its neighbours. */
export default function GridMapPage() {
  const gt = useGridText();
  const { can } = useAuth();
  const container = useRef<HTMLDivElement | null>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const markers = useRef<Marker[]>([]);
  const dataRef = useRef<MapFeatureCollection | null>(null);
  const hovered = useRef<string | null>(null);
  const highlighted = useRef<string[]>([]);
  const [settings, setSettings] = useState<MapSettings | null>(null);
  const [settingsLoaded, setSettingsLoaded] = useState(false);
  const [tilesFailed, setTilesFailed] = useState(false);
  const projection = useMemo(() => projectionOf(settings), [settings]);
  const projectionRef = useRef(projection);
  projectionRef.current = projection;
  const [level, setLevel] = useState<GridLevel>('unit');
  const [data, setData] = useState<MapFeatureCollection | null>(null);
  const [ready, setReady] = useState(false);
  const [moving, setMoving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [card, setCard] = useState<GridCard | null>(null);
  const [cardLoading, setCardLoading] = useState(false);
  const [neighbours, setNeighbours] = useState<GridListItem[] | null>(null);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [historyKey, setHistoryKey] = useState(0);
  const [assigning, setAssigning] = useState(false);
  const [departments, setDepartments] = useState<DepartmentSummary[]>([]);
  const [department, setDepartment] = useState<string | null>(null);
  const [departmentCount, setDepartmentCount] = useState<number | null>(null);
  const [departmentAt, setDepartmentAt] = useState<{ code: string; name: string } | null>(null);
  const departmentRef = useRef<string | null>(null);
  const departmentFitted = useRef<string | null>(null);
  const [searchText, setSearchText] = useState('');
  const [options, setOptions] = useState<GridListItem[]>([]);
  const [editing, setEditing] = useState(false);
  const [importing, setImporting] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);
  const canManage = can('grid.manage');
  const [partyOn, setPartyOn] = useState(false);
  const [partyTotals, setPartyTotals] = useState<{ organizations: number; members: number } | null>(null);
  const [partyAt, setPartyAt] = useState<{ name: string; organizations: number; members: number } | null>(null);

  useEffect(() => {
    gridApi.settings().then(setSettings, () => setSettings(null)).finally(() => setSettingsLoaded(true));
    gridApi.departments().then((r) => setDepartments(r.items), () => setDepartments([]));
  }, []);

  // ---- the map ---------------------------------------------------------------
  const refreshLabels = useCallback(() => {
    const map = mapRef.current;
    const fc = dataRef.current;
    for (const m of markers.current) m.remove();
    markers.current = [];
    if (!map || !fc) return;
    const b = map.getBounds();
    const inView = fc.features.filter((f) => b.contains([f.properties.lx, f.properties.ly]));
    if (inView.length > MAX_LABELS) return;
    for (const f of inView) {
      const el = document.createElement('div');
      el.className = 'cg-grid-label';
      el.textContent = f.properties.name;
      el.title = f.properties.code;
      el.style.cssText = 'pointer-events:none;font-size:12px;color:#1f2d3d;text-shadow:0 0 3px #fff,0 0 3px #fff;white-space:nowrap;';
      markers.current.push(new Marker({ element: el }).setLngLat([f.properties.lx, f.properties.ly]).addTo(map));
    }
  }, []);

  const setState = useCallback((code: string, state: Record<string, boolean>) => {
    const map = mapRef.current;
    if (map?.getSource(SOURCE)) map.setFeatureState({ source: SOURCE, id: code }, state);
  }, []);

  const clearHighlights = useCallback(() => {
    for (const code of highlighted.current) setState(code, { selected: false, neighbour: false });
    highlighted.current = [];
  }, [setState]);

  const showCard = useCallback((c: GridCard) => {
    setNeighbours(null);
    setHistoryOpen(false);
    setCard(c);
    clearHighlights();
    setState(c.code, { selected: true });
    highlighted.current = [c.code];
    setError(null);
  }, [clearHighlights, setState]);

  const fetchCard = useCallback(async (code: string) => {
    setCardLoading(true);
    try {
      return await gridApi.card(code);
    } catch (err) {
      setError(errorMessage(err));
      return null;
    } finally {
      setCardLoading(false);
    }
  }, []);

  const openCard = useCallback(async (code: string) => {
    const c = await fetchCard(code);
    if (c) showCard(c);
  }, [fetchCard, showCard]);
  const openCardRef = useRef(openCard);
  openCardRef.current = openCard;

  useEffect(() => {
    if (!settingsLoaded || !container.current) return;
    const map = new MapLibreMap({
      container: container.current,
      style: baseStyle(settings),
      center: [113.07, 28.115],
      zoom: 11,
      attributionControl: settings?.tileAttribution ? {} : false,
      // Keeps the canvas readable by screenshots and tests.
      canvasContextAttributes: { preserveDrawingBuffer: true },
    });
    mapRef.current = map;
    watchBasemap(map, settings, () => setTilesFailed(true));
    map.on('load', () => {
      map.addSource(CONTEXT, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, promoteId: 'code' });
      map.addLayer({
        id: 'grid-fill',
        type: 'fill',
        source: SOURCE,
        paint: {
          'fill-color': [
            'case',
            ['boolean', ['feature-state', 'selected'], false], '#1677ff',
            ['boolean', ['feature-state', 'neighbour'], false], '#faad14',
            ['boolean', ['feature-state', 'hover'], false], '#69b1ff',
            '#91caff',
          ],
          'fill-opacity': ['case', ['boolean', ['feature-state', 'selected'], false], 0.55, ['boolean', ['feature-state', 'hover'], false], 0.45, 0.22],
        },
      });
      map.addLayer({ id: 'grid-line', type: 'line', source: SOURCE, paint: { 'line-color': '#1f5fbf', 'line-width': 1 } });
      map.addLayer({ id: 'context-line', type: 'line', source: CONTEXT, paint: { 'line-color': '#0b3d91', 'line-width': 2.5 } });
      map.addSource(DEPARTMENT, { type: 'geojson', data: EMPTY_FC, promoteId: 'code' });
      map.addLayer({ id: 'department-fill', type: 'fill', source: DEPARTMENT, paint: { 'fill-color': '#fa8c16', 'fill-opacity': 0.08 } });
      map.addLayer({ id: 'department-line', type: 'line', source: DEPARTMENT, paint: { 'line-color': '#d4380d', 'line-width': 2, 'line-dasharray': [3, 2] } });
      map.addSource(PARTY, { type: 'geojson', data: EMPTY_FC });
      map.addLayer({
        id: 'party-community', type: 'circle', source: PARTY, filter: ['==', ['get', 'kind'], 'community'],
        paint: { 'circle-color': '#cf1322', 'circle-opacity': 0.35, 'circle-stroke-color': '#a8071a', 'circle-stroke-width': 1, 'circle-radius': ['+', 6, ['*', 3, ['get', 'organizations']]] },
      });
      map.addLayer({ id: 'party-org', type: 'circle', source: PARTY, filter: ['==', ['get', 'kind'], 'organization'], paint: { 'circle-color': '#cf1322', 'circle-radius': 3 } });
      setReady(true);
    });
    map.on('mousemove', 'grid-fill', (e: MapLayerMouseEvent) => {
      const code = e.features?.[0]?.properties?.code as string | undefined;
      if (!code || code === hovered.current) return;
      if (hovered.current) map.setFeatureState({ source: SOURCE, id: hovered.current }, { hover: false });
      hovered.current = code;
      map.setFeatureState({ source: SOURCE, id: code }, { hover: true });
      map.getCanvas().style.cursor = 'pointer';
    });
    map.on('mouseleave', 'grid-fill', () => {
      if (hovered.current) map.setFeatureState({ source: SOURCE, id: hovered.current }, { hover: false });
      hovered.current = null;
      map.getCanvas().style.cursor = '';
    });
    map.on('click', 'grid-fill', (e: MapLayerMouseEvent) => {
      const code = e.features?.[0]?.properties?.code as string | undefined;
      if (code) void openCardRef.current(code);
    });
    // With a department layer on, a click also says which of its grids is there.
    map.on('click', (e) => {
      if (!departmentRef.current || !map.getLayer('department-fill')) return;
      const f = map.queryRenderedFeatures(e.point, { layers: ['department-fill'] })[0];
      setDepartmentAt(f ? { code: String(f.properties.code), name: String(f.properties.name) } : null);
    });
    map.on('click', 'party-community', (e: MapLayerMouseEvent) => {
      const p = e.features?.[0]?.properties;
      if (p) setPartyAt({ name: String(p.name), organizations: Number(p.organizations), members: Number(p.members) });
    });
    map.on('movestart', () => setMoving(true));
    map.on('moveend', () => {
      setMoving(false);
      refreshLabels();
    });
    return () => {
      for (const m of markers.current) m.remove();
      markers.current = [];
      map.remove();
      mapRef.current = null;
      setReady(false);
    };
  }, [settingsLoaded, settings, refreshLabels]);

  // Grids of the chosen level, and the next level up as thicker context lines.
  useEffect(() => {
    if (!ready) return;
    let cancelled = false;
    setData(null);
    const up = level === 'unit' ? 'community' : level === 'community' ? 'street' : 'district';
    Promise.all([gridApi.geojson(level), gridApi.geojson(up)]).then(([stored, storedContext]) => {
      if (cancelled) return;
      const fc = projectionRef.current.features(stored);
      const context = projectionRef.current.features(storedContext);
      const map = mapRef.current;
      if (!map) return;
      dataRef.current = fc;
      (map.getSource(SOURCE) as GeoJSONSource).setData(fc as never);
      (map.getSource(CONTEXT) as GeoJSONSource).setData(context as never);
      highlighted.current = [];
      setData(fc);
      const first = reloadKey === 0 && map.getZoom() === 11;
      const b = boundsOf(fc);
      if (b && first) map.fitBounds(b, { padding: 24, duration: 0 });
      refreshLabels();
      setError(null);
    }, (err: unknown) => !cancelled && setError(errorMessage(err)));
    return () => {
      cancelled = true;
    };
  }, [ready, level, reloadKey, refreshLabels]);

  // The chosen department's grids over the tree (none: the layer is emptied).
  useEffect(() => {
    departmentRef.current = department;
    setDepartmentAt(null);
    if (!ready) return;
    const map = mapRef.current;
    const source = map?.getSource(DEPARTMENT) as GeoJSONSource | undefined;
    if (!department) {
      source?.setData(EMPTY_FC as never);
      setDepartmentCount(null);
      return;
    }
    let cancelled = false;
    gridApi.departmentGeojson(department).then((stored) => {
      if (cancelled) return;
      const fc = projectionRef.current.features(stored);
      const m = mapRef.current;
      (m?.getSource(DEPARTMENT) as GeoJSONSource | undefined)?.setData(fc as never);
      setDepartmentCount(fc.features.length);
      // Show the whole layer when it is chosen (not when the page reloads data after an edit).
      const b = boundsOf(fc as unknown as MapFeatureCollection);
      if (m && b && departmentFitted.current !== department) m.fitBounds(b, { padding: 40, duration: 0 });
      departmentFitted.current = department;
    }, (err: unknown) => !cancelled && setError(errorMessage(err)));
    return () => {
      cancelled = true;
    };
  }, [ready, department, reloadKey]);

  // The 党建 layer: organisation positions and counts per community (GET /api/party/map), on while ticked.
  useEffect(() => {
    if (!ready) return;
    const source = mapRef.current?.getSource(PARTY) as GeoJSONSource | undefined;
    setPartyAt(null);
    if (!partyOn) {
      source?.setData(EMPTY_FC as never);
      setPartyTotals(null);
      return;
    }
    let cancelled = false;
    partyApi.map().then((layer) => {
      if (cancelled) return;
      const point = (lng: number | null, lat: number | null) => (lng === null || lat === null ? null : { type: 'Point', coordinates: [lng, lat] });
      const fc = {
        type: 'FeatureCollection' as const,
        features: [
          ...layer.communities.map((c) => ({ type: 'Feature' as const, geometry: point(c.lng, c.lat), properties: { kind: 'community', name: c.name, organizations: c.organizations, members: c.members } })),
          ...layer.organizations.map((o) => ({ type: 'Feature' as const, geometry: point(o.lng, o.lat), properties: { kind: 'organization', name: o.name, organizations: 1, members: o.members } })),
        ].filter((f) => f.geometry !== null),
      };
      (mapRef.current?.getSource(PARTY) as GeoJSONSource | undefined)?.setData(projectionRef.current.features(fc) as never);
      setPartyTotals({ organizations: layer.organizations.length, members: layer.organizations.reduce((n, o) => n + o.members, 0) });
    }, (err: unknown) => !cancelled && setError(errorMessage(err)));
    return () => {
      cancelled = true;
    };
  }, [ready, partyOn]);

  // Re-highlight the open card after the level's data is (re)loaded.
  useEffect(() => {
    if (data && card && card.level === level) {
      setState(card.code, { selected: true });
      if (!highlighted.current.includes(card.code)) highlighted.current.push(card.code);
    }
  }, [data, card, level, setState]);

  // ---- search --------------------------------------------------------------
  useEffect(() => {
    const q = searchText.trim();
    if (!q) {
      setOptions([]);
      return;
    }
    const timer = setTimeout(() => {
      gridApi.search(q).then((r) => setOptions(r.items), () => setOptions([]));
    }, 200);
    return () => clearTimeout(timer);
  }, [searchText]);

  /** Fetches the card, starts the flight, then shows the card (so "card shown" implies "flight started"). */
  const flyTo = useCallback(async (code: string) => {
    const c = await fetchCard(code);
    const map = mapRef.current;
    if (!c || !map) return;
    if (MAP_LEVELS.includes(c.level) && c.level !== level) setLevel(c.level);
    const zoom = c.level === 'unit' ? 16 : c.level === 'community' ? 15 : 13;
    map.flyTo({ center: projectionRef.current.toMap(c.labelPoint[0], c.labelPoint[1]), zoom: Math.max(zoom, Math.min(map.getZoom(), 17)), duration: 600 });
    showCard(c);
  }, [fetchCard, showCard, level]);

  const showNeighbours = useCallback(async () => {
    if (!card) return;
    try {
      const { items } = await gridApi.neighbours(card.code);
      setNeighbours(items);
      for (const n of items) setState(n.code, { neighbour: true });
      highlighted.current = [card.code, ...items.map((n) => n.code)];
      const map = mapRef.current;
      const fc = dataRef.current;
      if (map && fc) {
        const wanted = new Set(highlighted.current);
        const b = boundsOf({ type: 'FeatureCollection', features: fc.features.filter((f) => wanted.has(f.properties.code)) });
        if (b) map.fitBounds(b, { padding: 60, duration: 400 });
      }
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [card, setState]);

  const closeCard = useCallback(() => {
    clearHighlights();
    setCard(null);
    setNeighbours(null);
    setHistoryOpen(false);
  }, [clearHighlights]);

  /** After an edit: the card again (with its incident counts, which a PATCH answer leaves out). */
  const refreshCard = useCallback(async (code: string) => {
    const c = await fetchCard(code);
    if (c) {
      setCard(c);
      setHistoryKey((k) => k + 1);
    }
  }, [fetchCard]);

  const searchOptions = useMemo(
    () => options.map((o) => ({
      value: o.code,
      label: (
        <span data-testid={`grid-search-option-${o.code}`}>
          {o.name} <Typography.Text type="secondary">{o.code} · {gt(`level.${o.level}`)}</Typography.Text>
        </span>
      ),
    })),
    [options, gt],
  );

  const responsible = Array.isArray(card?.attributes.responsible) ? (card!.attributes.responsible as Array<{ name?: string; title?: string; phone?: string }>) : [];
  const otherAttributes = card ? Object.entries(card.attributes).filter(([k]) => k !== 'responsible') : [];

  return (
    <Card
      data-testid="page-grid"
      title={gt('title')}
      styles={{ body: { padding: 0, position: 'relative' } }}
      extra={
        <Space wrap>
          <AutoComplete
            data-testid="grid-search"
            style={{ width: 320 }}
            options={searchOptions}
            value={searchText}
            onChange={setSearchText}
            onSelect={(code: string) => {
              setSearchText('');
              void flyTo(code);
            }}
            notFoundContent={searchText.trim() ? gt('search.none') : null}
          >
            <Input.Search data-testid="grid-search-input" placeholder={gt('search.placeholder')} allowClear onSearch={(v) => options[0] && v && void flyTo(options[0].code)} />
          </AutoComplete>
          <Segmented
            data-testid="level-switch"
            value={level}
            onChange={(v) => setLevel(v as GridLevel)}
            options={MAP_LEVELS.map((l) => ({ value: l, label: <span data-testid={`level-${l}`}>{gt(`level.${l}`)}</span> }))}
          />
          {departments.length > 0 && (
            <Select
              data-testid="department-layer"
              style={{ width: 220 }}
              allowClear
              placeholder={gt('dept.layer')}
              value={department ?? undefined}
              onChange={(v?: string) => setDepartment(v ?? null)}
              options={departments.map((d) => ({
                value: d.code,
                label: <span data-testid={`department-option-${d.code}`}>{gt('dept.option', { name: d.name, count: d.gridCount })}</span>,
              }))}
            />
          )}
          {can('party.read') && (
            <Checkbox data-testid="party-layer" checked={partyOn} onChange={(e) => setPartyOn(e.target.checked)}>{gt('party.layer')}</Checkbox>
          )}
          {canManage && (
            <Button data-testid="grid-import-open" icon={<ImportOutlined />} onClick={() => setImporting(true)}>
              {gt('import.button')}
            </Button>
          )}
        </Space>
      }
    >
      {error && <Alert type="error" showIcon message={error} closable onClose={() => setError(null)} style={{ margin: 12 }} />}
      <div style={{ position: 'relative' }}>
        <div
          ref={container}
          data-testid="grid-map"
          data-ready={ready && data !== null ? 'true' : 'false'}
          data-moving={moving ? 'true' : 'false'}
          data-level={level}
          style={{ height: 'calc(100vh - 190px)', minHeight: 420, width: '100%' }}
        />
        <div style={{ position: 'absolute', left: 12, bottom: 12, background: 'rgba(255,255,255,.85)', padding: '2px 8px', borderRadius: 4, fontSize: 12 }}>
          <span data-testid="grid-map-count" data-count={data ? data.features.length : ''}>{data ? gt('map.count', { count: data.features.length }) : gt('map.loading')}</span>
          {!hasTiles(settings) && <> · {gt('map.noTiles')}</>}
          {hasTiles(settings) && tilesFailed && <> · <span data-testid="grid-map-tiles-failed">{gt('map.tilesFailed')}</span></>}
          {department && departmentCount !== null && (
            <> · <span data-testid="department-count" data-count={departmentCount}>{gt('dept.layer')} {department}: {gt('map.count', { count: departmentCount })}</span></>
          )}
          {partyTotals && (
            <> · <span data-testid="party-layer-count" data-count={partyTotals.organizations}>{gt('party.layer')}：{gt('party.summary', partyTotals)}</span></>
          )}
          {partyAt && <> · <span data-testid="party-at">{partyAt.name}：{gt('party.summary', partyAt)}</span></>}
          {departmentAt && (
            <> · <span data-testid="department-at" data-code={departmentAt.code}>{gt('dept.at')}：{departmentAt.name}（{departmentAt.code}）</span></>
          )}
        </div>
        {!data && (
          <div style={{ position: 'absolute', inset: 0, display: 'flex', alignItems: 'center', justifyContent: 'center', pointerEvents: 'none' }}>
            <Spin />
          </div>
        )}
        <Drawer
          open={card !== null || cardLoading}
          onClose={closeCard}
          mask={false}
          getContainer={false}
          rootStyle={{ position: 'absolute' }}
          width={420}
          title={gt('card.title')}
          closeIcon={<CloseOutlined data-testid="grid-card-close" />}
          extra={canManage && card?.status === 'active' ? (
            <Button data-testid="grid-card-edit" icon={<EditOutlined />} onClick={() => setEditing(true)}>{gt('card.edit')}</Button>
          ) : null}
        >
          {cardLoading && !card && <Spin />}
          {card && (
            <div data-testid="grid-card" data-code={card.code}>
              <Descriptions column={1} size="small" bordered>
                <Descriptions.Item label={gt('card.code')}><span data-testid="grid-card-code">{card.code}</span></Descriptions.Item>
                <Descriptions.Item label={gt('card.name')}><span data-testid="grid-card-name">{card.name}</span></Descriptions.Item>
                <Descriptions.Item label={gt('card.level')}>{gt(`level.${card.level}`)}</Descriptions.Item>
                <Descriptions.Item label={gt('card.status')}>
                  <Tag color={card.status === 'active' ? 'green' : 'default'}>{gt(`card.status.${card.status}`)}</Tag>
                </Descriptions.Item>
                <Descriptions.Item label={gt('card.chain')}>
                  <span data-testid="grid-card-chain">
                    {card.chain.length === 0 ? '—' : card.chain.map((c, i) => (
                      <span key={c.code}>
                        {i > 0 && ' / '}
                        <Typography.Link onClick={() => void flyTo(c.code)}>{c.name}</Typography.Link>
                      </span>
                    ))}
                  </span>
                </Descriptions.Item>
                {(card.level === 'unit' || card.level === 'community' || card.workers.length > 0) && (
                  <Descriptions.Item label={gt('card.workers')}>
                    <span data-testid="grid-card-workers">
                      {card.workers.length === 0 ? gt('card.noWorkers') : card.workers.map((w) => (
                        <Tag key={w.userId}>{w.displayName}（{gt(`role.${w.role}`)}）</Tag>
                      ))}
                    </span>
                  </Descriptions.Item>
                )}
                {card.level !== 'unit' && (
                  <Descriptions.Item label={gt('card.counts')}>{gt('card.countsText', card.childCounts)}</Descriptions.Item>
                )}
                {card.incidents && (
                  <Descriptions.Item label={gt('card.incidents')}>
                    <span data-testid="grid-card-incidents" data-open={card.incidents.open} data-overdue={card.incidents.overdue}>
                      {gt('card.incidentsText', card.incidents)}
                    </span>
                  </Descriptions.Item>
                )}
                {responsible.length > 0 && (
                  <Descriptions.Item label={gt('card.responsible')}>
                    <span data-testid="grid-card-responsible">
                      {responsible.map((r, i) => <div key={i}>{r.name} {r.title ?? ''} {r.phone ?? ''}</div>)}
                    </span>
                  </Descriptions.Item>
                )}
                {otherAttributes.length > 0 && (
                  <Descriptions.Item label={gt('card.attributes')}>
                    {otherAttributes.map(([k, v]) => <div key={k}>{k}: {typeof v === 'string' ? v : JSON.stringify(v)}</div>)}
                  </Descriptions.Item>
                )}
                <Descriptions.Item label={gt('card.updatedAt')}>{formatDateTime(card.updatedAt)}</Descriptions.Item>
              </Descriptions>
              <Space style={{ marginTop: 12 }} wrap>
                <Button data-testid="grid-neighbours" icon={<AimOutlined />} onClick={() => void showNeighbours()} disabled={card.status !== 'active'}>
                  {gt('card.neighbours')}
                </Button>
                <Button data-testid="grid-history" icon={<HistoryOutlined />} onClick={() => setHistoryOpen(true)}>{gt('card.history')}</Button>
                {canManage && card.status === 'active' && (card.level === 'unit' || card.level === 'community') && (
                  <Button data-testid="grid-card-assign" icon={<TeamOutlined />} onClick={() => setAssigning(true)}>{gt('card.assign')}</Button>
                )}
              </Space>
              {neighbours && (
                <List
                  data-testid="grid-neighbour-list"
                  style={{ marginTop: 12 }}
                  size="small"
                  header={gt('card.neighboursTitle', { count: neighbours.length })}
                  dataSource={neighbours}
                  renderItem={(n) => (
                    <List.Item key={n.code} onClick={() => void flyTo(n.code)} style={{ cursor: 'pointer' }}>
                      {n.name} <Typography.Text type="secondary">{n.code}</Typography.Text>
                    </List.Item>
                  )}
                />
              )}
            </div>
          )}
        </Drawer>
      </div>

      {card && editing && (
        <GridEditModal
          card={card}
          onClose={() => setEditing(false)}
          onSaved={(next) => {
            setEditing(false);
            setCard(next);
            void refreshCard(next.code);
            setReloadKey((k) => k + 1);
          }}
        />
      )}
      {card && assigning && (
        <GridWorkersModal
          card={card}
          onClose={() => setAssigning(false)}
          onSaved={(workers) => {
            setAssigning(false);
            setCard({ ...card, workers });
            void refreshCard(card.code);
          }}
        />
      )}
      {card && historyOpen && <GridHistoryDrawer card={card} reloadKey={historyKey} onClose={() => setHistoryOpen(false)} />}
      {importing && (
        <GridImportModal
          onClose={() => setImporting(false)}
          onImported={() => {
            setReloadKey((k) => k + 1);
          }}
        />
      )}
    </Card>
  );
}
