import { Map as MapLibreMap, Marker, setWorkerUrl, type GeoJSONSource, type StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import maplibreWorkerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { useEffect, useRef } from 'react';
import { api } from '../../shell/api.js';

setWorkerUrl(maplibreWorkerUrl);

export interface MapSettings {
  tileUrl: string | null;
  tileAttribution: string | null;
}

export type Features = { type: 'FeatureCollection'; features: { type: 'Feature'; properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } }[] };

let settingsPromise: Promise<MapSettings> | null = null;
/** The server's map settings (an optional tile source), once per page load. */
export function mapSettings(): Promise<MapSettings> {
  settingsPromise ??= api.get<MapSettings>('/api/grids/map-settings').catch(() => ({ tileUrl: null, tileAttribution: null }));
  return settingsPromise;
}

/** A plain background (works with no internet), with the configured tiles beneath when there are some. */
export function plainStyle(settings: MapSettings | null): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef1f5' } }],
  };
  if (settings?.tileUrl) {
    style.sources.tiles = { type: 'raster', tiles: [settings.tileUrl], tileSize: 256, ...(settings.tileAttribution ? { attribution: settings.tileAttribution } : {}) };
    style.layers.push({ id: 'tiles', type: 'raster', source: 'tiles' });
  }
  return style;
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
  return new MapLibreMap({
    container,
    style: plainStyle(settings),
    center: opts.center ?? [113.07, 28.115],
    zoom: opts.zoom ?? 11,
    interactive: opts.interactive ?? true,
    attributionControl: settings.tileAttribution ? {} : false,
    // Keeps the canvas readable by screenshots and tests.
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
}

/** Adds grid outlines as a context layer. */
export function addGridLayer(map: MapLibreMap, id: string, data: Features, highlight?: string): void {
  map.addSource(id, { type: 'geojson', data });
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
      const m = await createMap(ref.current, { center: [lng, lat], zoom: 15 });
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
            const b = boundsOf(own);
            if (b) m.fitBounds(b, { padding: 30, maxZoom: 17, duration: 0 });
          })
          .catch(() => undefined);
        new Marker({ color: '#f5222d' }).setLngLat([lng, lat]).addTo(m);
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
        if (v && !markerRef.current) markerRef.current = new Marker({ color: '#f5222d' }).setLngLat([v.lng, v.lat]).addTo(m);
        unitGrids()
          .then((fc) => {
            if (cancelled) return;
            addGridLayer(m, 'grids', fc);
            const b = boundsOf(fc);
            if (b) m.fitBounds(b, { padding: 20, duration: 0 });
          })
          .catch(() => undefined);
      });
      m.on('click', (e) => pickRef.current(Math.round(e.lngLat.lng * 1e6) / 1e6, Math.round(e.lngLat.lat * 1e6) / 1e6));
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
    if (m && value) markerRef.current = new Marker({ color: '#f5222d' }).setLngLat([value.lng, value.lat]).addTo(m);
  }, [value]);
  return <div ref={ref} data-testid="report-map" style={{ height: 320, width: '100%', borderRadius: 4, overflow: 'hidden' }} />;
}

export type { GeoJSONSource, MapLibreMap };
