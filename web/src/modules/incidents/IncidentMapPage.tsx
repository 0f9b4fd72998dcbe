import { Alert, Card, Checkbox, Space, Tag, Typography } from 'antd';
import { Marker, type GeoJSONSource, type Map as MapLibreMap, type MapLayerMouseEvent } from 'maplibre-gl';
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { incidentApi, STATUSES, type ListFilters, type MapPoint } from './api.js';
import { STATUS_HEX, WARNING_HEX } from './common.js';
import { IncidentFilterForm } from './ListPage.js';
import { addGridLayer, boundsOf, createMap, projectionFor, unitGrids, type Features } from './maps.js';
import { useIncidentText } from './messages.js';

const SOURCE = 'incidents';
const OPEN = ['reported', 'registered', 'dispatched', 'handling', 'replied', 'verifying', 'verified'];
/** HTML count labels at most (with no internet there are no glyphs for a symbol layer). */
const MAX_LABELS = 300;

function toFeatures(points: MapPoint[]): Features {
  return {
    type: 'FeatureCollection',
    features: points.map((p) => ({
      type: 'Feature',
      properties: { id: p.id, code: p.code, status: p.status, level: p.overdue ? 'red' : p.warning },
      geometry: { type: 'Point', coordinates: [p.lng, p.lat] },
    })),
  };
}

/** 事件地图: incidents in scope, coloured by status (ringed by warning), clustered; a click opens one. */
export default function IncidentMapPage() {
  const it = useIncidentText();
  const navigate = useNavigate();
  const container = useRef<HTMLDivElement | null>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const labels = useRef<Marker[]>([]);
  const [ready, setReady] = useState(false);
  const [filters, setFilters] = useState<ListFilters>({});
  const [openOnly, setOpenOnly] = useState(true);
  const [result, setResult] = useState<{ count: number; truncated: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const navigateRef = useRef(navigate);
  navigateRef.current = navigate;

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
        unitGrids()
          .then((fc) => {
            if (cancelled) return;
            addGridLayer(map, 'grids', fc);
            map.moveLayer('grids-fill', 'clusters');
            map.moveLayer('grids-line', 'clusters');
            const b = boundsOf(projectionFor(map).features(fc));
            if (b) map.fitBounds(b, { padding: 20, duration: 0 });
          })
          .catch(() => undefined);
        map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, cluster: true, clusterRadius: 40, clusterMaxZoom: 16 });
        map.addLayer({
          id: 'clusters',
          type: 'circle',
          source: SOURCE,
          filter: ['has', 'point_count'],
          paint: {
            'circle-color': ['step', ['get', 'point_count'], '#69b1ff', 20, '#1677ff', 100, '#0958d9'],
            'circle-radius': ['step', ['get', 'point_count'], 14, 20, 18, 100, 24],
            'circle-opacity': 0.85,
            'circle-stroke-color': '#fff',
            'circle-stroke-width': 2,
          },
        });
        map.addLayer({
          id: 'points',
          type: 'circle',
          source: SOURCE,
          filter: ['!', ['has', 'point_count']],
          paint: {
            'circle-color': ['match', ['get', 'status'], ...STATUSES.flatMap((s) => [s, STATUS_HEX[s]]), '#888'] as never,
            'circle-radius': 7,
            'circle-stroke-width': ['match', ['get', 'level'], 'red', 3, 'amber', 3, 1.5],
            'circle-stroke-color': ['match', ['get', 'level'], 'red', WARNING_HEX.red, 'amber', WARNING_HEX.amber, '#ffffff'],
          },
        });
        map.on('click', 'points', (e: MapLayerMouseEvent) => {
          const id = e.features?.[0]?.properties?.id as number | undefined;
          if (id) navigateRef.current(`/incidents/${id}`);
        });
        map.on('click', 'clusters', (e: MapLayerMouseEvent) => {
          const f = e.features?.[0];
          if (!f) return;
          const source = map.getSource(SOURCE) as GeoJSONSource;
          void source.getClusterExpansionZoom(f.properties.cluster_id as number).then((zoom) => {
            map.easeTo({ center: (f.geometry as unknown as { coordinates: [number, number] }).coordinates, zoom });
          });
        });
        for (const layer of ['points', 'clusters']) {
          map.on('mouseenter', layer, () => (map.getCanvas().style.cursor = 'pointer'));
          map.on('mouseleave', layer, () => (map.getCanvas().style.cursor = ''));
        }
        // Cluster counts as HTML labels (no glyphs offline).
        map.on('idle', () => {
          for (const m of labels.current) m.remove();
          labels.current = [];
          const seen = new Set<number>();
          for (const f of map.queryRenderedFeatures({ layers: ['clusters'] })) {
            const id = f.properties.cluster_id as number;
            if (seen.has(id) || seen.size >= MAX_LABELS) continue;
            seen.add(id);
            const el = document.createElement('div');
            el.textContent = String(f.properties.point_count_abbreviated ?? f.properties.point_count);
            el.style.cssText = 'color:#fff;font-size:12px;font-weight:600;pointer-events:none';
            labels.current.push(new Marker({ element: el }).setLngLat((f.geometry as unknown as { coordinates: [number, number] }).coordinates).addTo(map));
          }
        });
        setReady(true);
      });
    })();
    return () => {
      cancelled = true;
      mapRef.current?.remove();
      mapRef.current = null;
    };
  }, []);

  useEffect(() => {
    if (!ready) return;
    let live = true;
    const f: ListFilters = { ...filters };
    if (openOnly && !f.status) f.status = OPEN.join(',');
    incidentApi
      .map(f)
      .then((r) => {
        if (!live) return;
        const map = mapRef.current;
        if (map) (map.getSource(SOURCE) as GeoJSONSource | undefined)?.setData(projectionFor(map).features(toFeatures(r.items)) as never);
        setResult({ count: r.items.length, truncated: r.truncated });
        setError(null);
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [ready, filters, openOnly]);

  return (
    <Card title={it('map.title')} data-testid="page-incident-map">
      <IncidentFilterForm onSearch={setFilters} extra={<Checkbox checked={openOnly} onChange={(e) => setOpenOnly(e.target.checked)} data-testid="map-open-only">{it('map.openOnly')}</Checkbox>} />
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Space wrap style={{ marginBottom: 8 }} data-testid="map-legend">
        <Typography.Text type="secondary">{it('map.legend')}：</Typography.Text>
        {STATUSES.filter((s) => !openOnly || OPEN.includes(s)).map((s) => (
          <Tag key={s} color={STATUS_HEX[s]}>
            {it(`status.${s}`)}
          </Tag>
        ))}
        <Tag style={{ borderColor: WARNING_HEX.amber, borderWidth: 2 }}>{it('warning.amber')}</Tag>
        <Tag style={{ borderColor: WARNING_HEX.red, borderWidth: 2 }}>{it('warning.red')}</Tag>
        {result && (
          <Typography.Text data-testid="map-count">
            {it('map.count', { count: result.count })}
            {result.truncated ? it('map.truncated', { count: result.count }) : ''}
          </Typography.Text>
        )}
      </Space>
      <div ref={container} data-testid="incident-map" style={{ height: 'calc(100vh - 420px)', minHeight: 420, borderRadius: 4, overflow: 'hidden' }} />
    </Card>
  );
}
