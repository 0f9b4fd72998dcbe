import { Map as MapLibreMap, Marker, setWorkerUrl, type GeoJSONSource } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import maplibreWorkerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { useEffect, useRef } from 'react';
import { api } from '../../shell/api.js';
import { baseStyle, MAP_SETTINGS_PATH, NO_BASEMAP, projectionOf, watchBasemap, type MapSettings, type Projection } from '../grid/basemap.js';

setWorkerUrl(maplibreWorkerUrl);

export type Features = { type: 'FeatureCollection'; features: { type: 'Feature'; properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } }[] };

let settingsPromise: Promise<MapSettings> | null = null;
/** The server's map settings (the base map, if any), once per page load; none when they cannot be read. */
export function mapSettings(): Promise<MapSettings> {
  settingsPromise ??= api.get<MapSettings>(MAP_SETTINGS_PATH).catch(() => NO_BASEMAP);
  return settingsPromise;
}

const projections = new WeakMap<MapLibreMap, Projection>();
/** How the map draws stored WGS-84 positions (shifted on GCJ-02 tiles). */
export function projectionFor(map: MapLibreMap): Projection {
  return projections.get(map) ?? projectionOf(null);
}

export function boundsOf(fc: Features): [[number, number], [number, number]] | null {
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

/** Unit grids (scope-filtered by the server) for orientation on a plain background. */
export function unitGrids(parent?: string): Promise<Features> {
  return api.get<Features>('/api/grids/geojson', { level: 'unit', ...(parent ? { parent } : {}) });
}

export async function createMap(container: HTMLElement, opts: { center?: [number, number]; zoom?: number; interactive?: boolean } = {}): Promise<MapLibreMap> {
  const settings = await mapSettings();
  const map = new MapLibreMap({
    container,
    style: baseStyle(settings),
    center: opts.center ?? [113.07, 28.115],
    zoom: opts.zoom ?? 11,
    interactive: opts.interactive ?? true,
    attributionControl: settings.tileAttribution ? {} : false,
    // Keeps the canvas readable by screenshots and tests.
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  attachBasemap(map, settings);
  return map;
}

/** Ties a map to its base map settings: how it shifts positions, and its tile fallback. */
export function attachBasemap(map: MapLibreMap, settings: MapSettings | null): void {
  projections.set(map, projectionOf(settings));
  watchBasemap(map, settings);
}

/** Adds grid outlines (stored WGS-84) as a context layer. */
export function addGridLayer(map: MapLibreMap, id: string, data: Features, highlight?: string): void {
  map.addSource(id, { type: 'geojson', data: projectionFor(map).features(data) });
  map.addLayer({
    id: `${id}-fill`,
    type: 'fill',
    source: id,
    paint: {
      'fill-color': highlight ? ['case', ['==', ['get', 'code'], highlight], '#91caff', '#ffffff'] : '#ffffff',
      'fill-opacity': 0.6,
    },
  });
  map.addLayer({ id: `${id}-line`, type: 'line', source: id, paint: { 'line-color': '#7a9cc6', 'line-width': 1 } });
}

/** The incident's point on its unit grid, on a plain background. */
export function MiniMap({ lng, lat, gridCode, communityCode }: { lng: number; lat: number; gridCode: string; communityCode: string }) {
  const ref = useRef<HTMLDivElement | null>(null);
  useEffect(() => {
    let map: MapLibreMap | null = null;
    let cancelled = false;
    void (async () => {
      if (!ref.current) return;
      const m = await createMap(ref.current, { center: projectionOf(await mapSettings()).toMap(lng, lat), zoom: 15 });
      if (cancelled) {
        m.remove();
        return;
      }
      map = m;
      m.on('load', () => {
        unitGrids(communityCode)
          .then((fc) => {
            if (cancelled) return;
            addGridLayer(m, 'grids', fc, gridCode);
            const own = { ...fc, features: fc.features.filter((f) => f.properties.code === gridCode) };
            const b = boundsOf(projectionFor(m).features(own));
            if (b) m.fitBounds(b, { padding: 30, maxZoom: 17, duration: 0 });
          })
          .catch(() => undefined);
        new Marker({ color: '#f5222d' }).setLngLat(projectionFor(m).toMap(lng, lat)).addTo(m);
      });
    })();
    return () => {
      cancelled = true;
      map?.remove();
    };
  }, [lng, lat, gridCode, communityCode]);
  return <div ref={ref} data-testid="incident-minimap" style={{ height: 260, width: '100%', borderRadius: 4, overflow: 'hidden' }} />;
}

/** A map to pick a point: shows the unit grids the user may see; a click calls onPick. */
export function PickMap({ value, onPick }: { value: { lng: number; lat: number } | null; onPick: (lng: number, lat: number) => void }) {
  const ref = useRef<HTMLDivElement | null>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const markerRef = useRef<Marker | null>(null);
  const pickRef = useRef(onPick);
  pickRef.current = onPick;
  const valueRef = useRef(value);
  valueRef.current = value;
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      if (!ref.current) return;
      const m = await createMap(ref.current);
      if (cancelled) {
        m.remove();
        return;
      }
      mapRef.current = m;
      m.on('load', () => {
        const v = valueRef.current;
        if (v && !markerRef.current) markerRef.current = new Marker({ color: '#f5222d' }).setLngLat(projectionFor(m).toMap(v.lng, v.lat)).addTo(m);
        unitGrids()
          .then((fc) => {
            if (cancelled) return;
            addGridLayer(m, 'grids', fc);
            const b = boundsOf(projectionFor(m).features(fc));
            if (b) m.fitBounds(b, { padding: 20, duration: 0 });
          })
          .catch(() => undefined);
      });
      // The point picked on the map, as stored WGS-84 (shifted back from GCJ-02 tiles).
      m.on('click', (e) => pickRef.current(...projectionFor(m).fromMap(e.lngLat.lng, e.lngLat.lat)));
      m.getCanvas().style.cursor = 'crosshair';
    })();
    return () => {
      cancelled = true;
      mapRef.current?.remove();
      mapRef.current = null;
    };
  }, []);
  useEffect(() => {
    const m = mapRef.current;
    markerRef.current?.remove();
    markerRef.current = null;
    if (m && value) markerRef.current = new Marker({ color: '#f5222d' }).setLngLat(projectionFor(m).toMap(value.lng, value.lat)).addTo(m);
  }, [value]);
  return <div ref={ref} data-testid="report-map" style={{ height: 320, width: '100%', borderRadius: 4, overflow: 'hidden' }} />;
}

export type { GeoJSONSource, MapLibreMap, MapSettings };
