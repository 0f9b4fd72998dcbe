import { PauseCircleOutlined, PlayCircleOutlined } from '@ant-design/icons';
import { Alert, Button, Col, DatePicker, Empty, List, Row, Select, Slider, Space, Statistic, Table, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { Marker, type GeoJSONSource, type Map as MapLibreMap, type MapLayerMouseEvent } from 'maplibre-gl';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../../shell/api.js';
import { formatDateTime } from '../../shell/time.js';
import { boundsOf, createMap, projectionFor, unitGrids, type Features } from '../incidents/maps.js';
import { workforceApi, type DayTrack, type WorkerOption } from './api.js';
import { beijingDate, clockTime, hours, km } from './common.js';
import { useWorkforceText } from './messages.js';

const EMPTY: Features = { type: 'FeatureCollection', features: [] };
/** Replay speeds: seconds of patrol per second of playing. */
const SPEEDS = [60, 300, 900];

interface Timeline {
  /** Every vertex of every patrol in time order, with its patrol's index. */
  times: number[];
  coords: [number, number][];
  patrol: number[];
}

function timelineOf(track: DayTrack | null): Timeline {
  const out: Timeline = { times: [], coords: [], patrol: [] };
  track?.track.features.forEach((f, k) => {
    f.properties.times.forEach((t, i) => {
      out.times.push(t);
      out.coords.push(f.geometry.coordinates[i]!);
      out.patrol.push(k);
    });
  });
  return out;
}

/** The position at an instant: interpolated inside a patrol, held at the last fix between patrols. */
export function positionAt(tl: Timeline, t: number): [number, number] | null {
  const n = tl.times.length;
  if (n === 0) return null;
  if (t <= tl.times[0]!) return tl.coords[0]!;
  if (t >= tl.times[n - 1]!) return tl.coords[n - 1]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (tl.times[mid]! <= t) lo = mid;
    else hi = mid;
  }
  if (tl.patrol[lo] !== tl.patrol[hi]) return tl.coords[lo]!;
  const f = (t - tl.times[lo]!) / (tl.times[hi]! - tl.times[lo]!);
  const a = tl.coords[lo]!;
  const b = tl.coords[hi]!;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
}

function wallClock(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(11, 19);
}

/** 轨迹回放: one worker's day on the map, the track drawn and replayed, with the cases reported and the clock records. */
export default function TrackReplayPanel() {
  const wt = useWorkforceText();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const userId = params.get('userId') ? Number(params.get('userId')) : null;
  const date = params.get('date') ?? beijingDate(-1);
  const [workers, setWorkers] = useState<WorkerOption[]>([]);
  const [track, setTrack] = useState<DayTrack | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState<number | null>(null);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(SPEEDS[1]!);
  const container = useRef<HTMLDivElement | null>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const markerRef = useRef<Marker | null>(null);
  const [mapReady, setMapReady] = useState(false);
  const [drawn, setDrawn] = useState(false);
  const navigateRef = useRef(navigate);
  navigateRef.current = navigate;

  const search = (q: string) => {
    void workforceApi.workers({ q }).then((r) => setWorkers((old) => {
      const keep = old.filter((w) => w.userId === userId);
      return [...keep, ...r.items.filter((w) => w.userId !== userId)];
    }));
  };
  useEffect(() => {
    void workforceApi.workers({}).then((r) => setWorkers(r.items));
  }, []);

  useEffect(() => {
    let live = true;
    setTrack(null);
    setDrawn(false);
    setPlaying(false);
    if (userId === null) return;
    workforceApi.track(userId, date)
      .then((t) => {
        if (!live) return;
        setTrack(t);
        setError(null);
        setNow(t.track.features[0] ? t.track.features[0].properties.times[0]! : null);
        // The picked worker may be outside the first page of the picker.
        setWorkers((old) => (old.some((w) => w.userId === t.userId) ? old : [{ userId: t.userId, displayName: t.displayName, username: '', communityCode: null, communityName: null }, ...old]));
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [userId, date]);

  const timeline = useMemo(() => timelineOf(track), [track]);
  const first = timeline.times[0] ?? 0;
  const last = timeline.times[timeline.times.length - 1] ?? 0;

  // The map, once.
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
        map.addSource('grids', { type: 'geojson', data: EMPTY });
        map.addLayer({ id: 'grids-fill', type: 'fill', source: 'grids', paint: { 'fill-color': ['case', ['==', ['get', 'own'], true], '#bae0ff', '#ffffff'], 'fill-opacity': 0.6 } });
        map.addLayer({ id: 'grids-line', type: 'line', source: 'grids', paint: { 'line-color': '#7a9cc6', 'line-width': 1 } });
        map.addSource('track', { type: 'geojson', data: EMPTY });
        map.addLayer({ id: 'track-line', type: 'line', source: 'track', paint: { 'line-color': '#1677ff', 'line-width': 3, 'line-opacity': 0.85 } });
        map.addSource('clocks', { type: 'geojson', data: EMPTY });
        map.addLayer({ id: 'clocks', type: 'circle', source: 'clocks', paint: { 'circle-color': ['match', ['get', 'kind'], 'in', '#52c41a', '#faad14'], 'circle-radius': 6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
        map.addSource('cases', { type: 'geojson', data: EMPTY });
        map.addLayer({ id: 'cases', type: 'circle', source: 'cases', paint: { 'circle-color': '#f5222d', 'circle-radius': 7, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
        map.on('click', 'cases', (e: MapLayerMouseEvent) => {
          const id = e.features?.[0]?.properties?.id as number | undefined;
          if (id) navigateRef.current(`/incidents/${id}`);
        });
        map.on('mouseenter', 'cases', () => (map.getCanvas().style.cursor = 'pointer'));
        map.on('mouseleave', 'cases', () => (map.getCanvas().style.cursor = ''));
        setMapReady(true);
      });
    })();
    return () => {
      cancelled = true;
      markerRef.current?.remove();
      mapRef.current?.remove();
      mapRef.current = null;
    };
  }, []);

  // The day's data on the map.
  useEffect(() => {
    const map = mapRef.current;
    if (!mapReady || !map) return;
    let live = true;
    const projection = projectionFor(map);
    // Everything is stored in WGS-84 and drawn as the base map needs it.
    const set = (id: string, data: Features) => (map.getSource(id) as GeoJSONSource | undefined)?.setData(projection.features(data) as never);
    set('track', (track?.track ?? EMPTY) as Features);
    set('cases', {
      type: 'FeatureCollection',
      features: (track?.incidents ?? []).map((i) => ({ type: 'Feature', properties: { id: i.id, code: i.code }, geometry: { type: 'Point', coordinates: [i.lng, i.lat] } })),
    });
    set('clocks', {
      type: 'FeatureCollection',
      features: (track?.clocks ?? []).map((c) => ({ type: 'Feature', properties: { kind: c.kind }, geometry: { type: 'Point', coordinates: [c.lng, c.lat] } })),
    });
    const community = track?.gridCodes[0]?.slice(0, 12);
    if (community) {
      unitGrids(community).then((fc) => {
        if (!live) return;
        const own = new Set(track!.gridCodes);
        set('grids', { ...fc, features: fc.features.map((f) => ({ ...f, properties: { ...f.properties, own: own.has(String(f.properties.code)) || own.has(community) } })) });
        const b = boundsOf(projection.features(track!.track.features.length > 0 ? (track!.track as Features) : fc));
        if (b) map.fitBounds(b, { padding: 40, duration: 0, maxZoom: 17 });
        setDrawn(true);
      }).catch(() => setDrawn(true));
    } else {
      set('grids', EMPTY);
      setDrawn(track !== null);
    }
    markerRef.current?.remove();
    markerRef.current = null;
    if (timeline.times.length > 0) {
      const el = document.createElement('div');
      el.dataset.testid = 'track-marker';
      el.style.cssText = 'width:16px;height:16px;border-radius:50%;background:#fa541c;border:3px solid #fff;box-shadow:0 0 4px rgba(0,0,0,.5)';
      markerRef.current = new Marker({ element: el }).setLngLat(projection.toMap(...timeline.coords[0]!)).addTo(map);
    }
    return () => {
      live = false;
    };
  }, [mapReady, track, timeline]);

  // The marker follows the replay clock.
  useEffect(() => {
    if (now === null) return;
    const p = positionAt(timeline, now);
    if (p) {
      const map = mapRef.current;
      markerRef.current?.setLngLat(map ? projectionFor(map).toMap(p[0], p[1]) : p);
      markerRef.current?.getElement().setAttribute('data-lnglat', `${p[0].toFixed(6)},${p[1].toFixed(6)}`);
    }
  }, [now, timeline]);

  // Playing moves the clock forward; at the end it stops.
  useEffect(() => {
    if (!playing) return;
    const step = 100;
    const timer = setInterval(() => {
      setNow((t) => {
        const next = (t ?? first) + speed * step;
        if (next >= last) {
          setPlaying(false);
          return last;
        }
        return next;
      });
    }, step);
    return () => clearInterval(timer);
  }, [playing, speed, first, last]);

  const setQuery = (patch: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    setParams(next, { replace: true });
  };
  const totalDistance = track?.patrols.reduce((s, p) => s + p.distanceM, 0) ?? 0;
  const totalSeconds = track?.patrols.reduce((s, p) => s + (p.durationS ?? 0), 0) ?? 0;

  return (
    <div data-testid="workforce-tracks">
      <Space wrap style={{ marginBottom: 12 }}>
        <Select
          style={{ minWidth: 260 }}
          showSearch={{ filterOption: false, onSearch: search }}
          placeholder={wt('track.pickWorker')}
          value={userId ?? undefined}
          onChange={(v: number) => setQuery({ userId: String(v) })}
          options={workers.map((w) => ({ value: w.userId, label: w.communityName ? `${w.displayName}（${w.communityName}）` : w.displayName }))}
          data-testid="track-worker"
        />
        <DatePicker
          allowClear={false}
          value={dayjs(date)}
          onChange={(d) => d && setQuery({ date: d.format('YYYY-MM-DD') })}
          data-testid="track-date"
        />
      </Space>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Row gutter={16}>
        <Col xs={24} xl={16}>
          <div
            ref={container}
            data-testid="track-map"
            data-ready={mapReady && drawn ? 'true' : 'false'}
            data-features={track?.track.features.length ?? 0}
            data-vertices={timeline.times.length}
            style={{ height: 'calc(100vh - 360px)', minHeight: 420, borderRadius: 4, overflow: 'hidden' }}
          />
          <Space style={{ width: '100%', marginTop: 8 }} align="center">
            <Button
              icon={playing ? <PauseCircleOutlined /> : <PlayCircleOutlined />}
              disabled={timeline.times.length === 0}
              onClick={() => {
                if (!playing && now !== null && now >= last) setNow(first);
                setPlaying(!playing);
              }}
              data-testid="track-play"
            >
              {wt(playing ? 'track.pause' : 'track.play')}
            </Button>
            <Select size="small" value={speed} onChange={setSpeed} options={SPEEDS.map((s) => ({ value: s, label: `×${s}` }))} data-testid="track-speed" />
            <Typography.Text strong data-testid="track-time">{now !== null ? wallClock(now) : '--:--:--'}</Typography.Text>
          </Space>
          <Slider
            min={first}
            max={Math.max(last, first + 1)}
            value={now ?? first}
            disabled={timeline.times.length === 0}
            onChange={(v: number) => {
              setPlaying(false);
              setNow(v);
            }}
            tooltip={{ formatter: (v) => (v ? wallClock(v) : '') }}
            data-testid="track-slider"
          />
          <Space wrap size="large">
            <Space><span style={{ display: 'inline-block', width: 18, height: 3, background: '#1677ff' }} />{wt('track.legendTrack')}</Space>
            <Space><span style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 5, background: '#f5222d' }} />{wt('track.legendCase')}</Space>
            <Space><span style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 5, background: '#52c41a' }} />{wt('track.legendClock')}</Space>
          </Space>
        </Col>
        <Col xs={24} xl={8}>
          {track && (
            <Space direction="vertical" style={{ width: '100%' }}>
              <Row gutter={12}>
                <Col span={8}><Statistic title={wt('track.patrols')} value={track.patrols.length} /></Col>
                <Col span={8}><Statistic title={wt('track.distance')} value={wt('att.km', { km: km(totalDistance) })} data-testid="track-distance" /></Col>
                <Col span={8}><Statistic title={wt('track.duration')} value={wt('att.hours', { h: hours(totalSeconds) })} /></Col>
              </Row>
              {track.patrols.length === 0 ? (
                <Empty description={wt('track.noTrack')} />
              ) : (
                <Table
                  rowKey="id"
                  size="small"
                  pagination={false}
                  dataSource={track.patrols}
                  data-testid="track-patrols"
                  onRow={(p) => ({ onClick: () => { setPlaying(false); setNow(Date.parse(p.startedAt)); }, style: { cursor: 'pointer' } })}
                  columns={[
                    { title: wt('att.in'), render: (_, p) => clockTime(p.startedAt) },
                    { title: wt('att.out'), render: (_, p) => (p.endedAt ? clockTime(p.endedAt) : <Tag color="processing">{wt('track.active')}</Tag>) },
                    { title: wt('track.distance'), render: (_, p) => wt('att.km', { km: km(p.distanceM) }) },
                    { title: wt('track.points'), dataIndex: 'pointCount' },
                  ]}
                />
              )}
              <Typography.Title level={5}>{wt('track.cases')}</Typography.Title>
              <List
                size="small"
                dataSource={track.incidents}
                data-testid="track-cases"
                locale={{ emptyText: '—' }}
                renderItem={(i) => (
                  <List.Item>
                    <Space direction="vertical" size={0}>
                      <Link to={`/incidents/${i.id}`} data-testid={`track-case-${i.code}`}>{i.code}</Link>
                      <Typography.Text type="secondary">{formatDateTime(i.reportedAt)} {i.description}</Typography.Text>
                    </Space>
                  </List.Item>
                )}
              />
              <Typography.Title level={5}>{wt('track.clocks')}</Typography.Title>
              <Space wrap data-testid="track-clocks">
                {track.clocks.map((c) => (
                  <Tag key={c.id} color={c.kind === 'in' ? 'green' : 'gold'}>{wt(c.kind === 'in' ? 'track.clock.in' : 'track.clock.out')} {clockTime(c.at)}</Tag>
                ))}
              </Space>
            </Space>
          )}
        </Col>
      </Row>
    </div>
  );
}
