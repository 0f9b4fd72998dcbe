import { Alert, Button, Card, Col, Form, InputNumber, Row, Space, Table, Tag, Typography } from 'antd';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { useI18n } from '../../shell/i18n.js';
import { formatDateTime } from '../../shell/time.js';
import { addGridLayer, boundsOf, createMap, projectionFor, unitGrids, type Features } from '../incidents/maps.js';
import { portalApi, type HotSpot, type HotSpots } from './api.js';
import { usePortalText } from './portal-messages.js';

/** 高发点位: recurring problems at one place (docs/hot-spots.md), listed with their cases and drawn on the map. */
export default function HotSpotsPage() {
  const pt = usePortalText();
  const { pick } = useI18n();
  const [params, setParams] = useState<{ minCases: number; radiusM: number; days: number } | null>(null);
  const [data, setData] = useState<HotSpots | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);

  const load = useCallback((p?: { minCases: number; radiusM: number; days: number }) => {
    setError(null);
    portalApi.hotSpots(p).then((d) => {
      setData(d);
      setParams(d.params);
    }).catch((err: unknown) => setError(errorMessage(err)));
  }, []);
  useEffect(() => load(), [load]);

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }} data-testid="page-hotspots">
      <Card title={pt('hot.title')}>
        {params && (
          <Form layout="inline" initialValues={params} onFinish={(v: { minCases: number; radiusM: number; days: number }) => load(v)} data-testid="hot-form">
            <Form.Item name="minCases" label={pt('hot.minCases')}><InputNumber min={2} max={100} /></Form.Item>
            <Form.Item name="radiusM" label={pt('hot.radius')}><InputNumber min={10} max={5000} /></Form.Item>
            <Form.Item name="days" label={pt('hot.days')}><InputNumber min={1} max={366} /></Form.Item>
            <Form.Item><Button type="primary" htmlType="submit" data-testid="hot-search">OK</Button></Form.Item>
          </Form>
        )}
        {error && <Alert type="error" showIcon title={error} style={{ marginTop: 12 }} />}
        {data && (
          <Typography.Paragraph type="secondary" style={{ marginTop: 12 }} data-testid="hot-rule">
            {pt('hot.rule', { n: data.params.minCases, radius: data.params.radiusM, days: data.params.days, total: data.items.length })}
            {data.truncated && ` · ${pt('hot.truncated')}`}
          </Typography.Paragraph>
        )}
      </Card>
      <Row gutter={16}>
        <Col xs={24} xl={13}>
          <Table<HotSpot>
            size="small"
            rowKey="key"
            loading={!data && !error}
            dataSource={data?.items ?? []}
            pagination={{ pageSize: 20 }}
            onRow={(h) => ({ onClick: () => setSelected(h.key), 'data-testid': `hot-row-${h.key}` } as never)}
            rowClassName={(h) => (h.key === selected ? 'ant-table-row-selected' : '')}
            expandable={{
              expandedRowRender: (h) => (
                <Space wrap>
                  {h.cases.map((c) => (
                    <Link key={c.id} to={`/incidents/${c.id}`} data-testid={`hot-case-${c.id}`}>
                      <Tag>{c.code}</Tag>
                    </Link>
                  ))}
                </Space>
              ),
            }}
            columns={[
              { title: pt('hot.category'), key: 'category', render: (_: unknown, h) => pick(h.categoryName ?? h.categoryCode, h.categoryNameEn ?? h.categoryName ?? h.categoryCode) },
              { title: pt('hot.area'), key: 'area', render: (_: unknown, h) => [h.streetName, h.communityName].filter(Boolean).join(' ') || h.gridCode },
              { title: pt('hot.count'), dataIndex: 'count', align: 'right' },
              { title: pt('hot.open'), dataIndex: 'openCount', align: 'right' },
              { title: pt('hot.last'), dataIndex: 'lastAt', render: (v: string) => formatDateTime(v) },
            ]}
          />
        </Col>
        <Col xs={24} xl={11}>
          <Card title={pt('hot.map')} size="small" styles={{ body: { padding: 0 } }}>
            <HotSpotMap items={data?.items ?? []} selected={selected} onSelect={setSelected} />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}

function HotSpotMap({ items, selected, onSelect }: { items: HotSpot[]; selected: string | null; onSelect: (key: string) => void }) {
  const container = useRef<HTMLDivElement | null>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const [ready, setReady] = useState(false);
  const select = useRef(onSelect);
  select.current = onSelect;

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
        map.addSource('hotspots', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
        map.addLayer({
          id: 'hotspots', type: 'circle', source: 'hotspots',
          paint: {
            'circle-color': ['case', ['get', 'selected'], 'rgba(250, 84, 28, 0.55)', 'rgba(250, 84, 28, 0.25)'],
            'circle-radius': ['min', 28, ['+', 8, ['*', 2, ['get', 'count']]]],
            'circle-stroke-color': '#fa541c', 'circle-stroke-width': 2,
          },
        });
        map.on('click', 'hotspots', (e) => {
          const key = e.features?.[0]?.properties?.key;
          if (typeof key === 'string') select.current(key);
        });
        unitGrids().then((fc) => {
          if (cancelled) return;
          addGridLayer(map, 'grids', fc);
          map.moveLayer('grids-fill', 'hotspots');
          map.moveLayer('grids-line', 'hotspots');
          const b = boundsOf(projectionFor(map).features(fc));
          if (b) map.fitBounds(b, { padding: 20, duration: 0 });
        }).catch(() => undefined);
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
    const map = mapRef.current;
    if (!ready || !map) return;
    const fc: Features = {
      type: 'FeatureCollection',
      features: items.map((h) => ({ type: 'Feature', properties: { key: h.key, count: h.count, selected: h.key === selected }, geometry: { type: 'Point', coordinates: [h.lng, h.lat] } })),
    };
    (map.getSource('hotspots') as GeoJSONSource | undefined)?.setData(projectionFor(map).features(fc) as never);
    map.getContainer().dataset.hotspots = String(items.length);
    const chosen = items.find((h) => h.key === selected);
    if (chosen) map.easeTo({ center: projectionFor(map).features({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [chosen.lng, chosen.lat] } }] }).features[0]!.geometry.coordinates as [number, number], zoom: Math.max(map.getZoom(), 15) });
  }, [ready, items, selected]);

  return <div ref={container} data-testid="hot-map" style={{ width: '100%', height: 520 }} />;
}
