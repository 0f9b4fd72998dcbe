import { Map as MapLibreMap, Marker } from 'maplibre-gl';
import { useEffect, useMemo, useRef } from 'react';
import { baseStyle, projectionOf, type MapSettings } from '../../modules/grid/basemap.js';
import { addGridLayer, attachBasemap, boundsOf, type Features } from '../../modules/incidents/maps.js';
import type { GridCollection } from './geometry.js';
import type { Fix } from './position.js';

/**
 * The base map, loaded only when a tile source is configured and the phone is online (MapLibre is
 * most of the app's weight, so it is a lazy chunk): the configured tiles, the worker's grid outlines
 * and the fix. Without tiles the app draws the outlines itself (GridSketch).
 */
export default function MapView({ settings, grids, highlight, fix }: { settings: MapSettings; grids: GridCollection; highlight: string | null; fix: Fix | null }) {
  const ref = useRef<HTMLDivElement | null>(null);
  const mapRef = useRef<MapLibreMap | null>(null);
  const markerRef = useRef<Marker | null>(null);
  const projection = useMemo(() => projectionOf(settings), [settings]);

  useEffect(() => {
    if (!ref.current) return;
    const map = new MapLibreMap({
      container: ref.current,
      style: baseStyle(settings),
      center: fix ? projection.toMap(fix.lng, fix.lat) : [113.07, 28.115],
      zoom: 15,
      attributionControl: settings.tileAttribution ? {} : false,
    });
    mapRef.current = map;
    attachBasemap(map, settings);
    map.on('load', () => {
      const fc = grids as unknown as Features;
      addGridLayer(map, 'grids', fc, highlight ?? undefined);
      const own = highlight ? { ...fc, features: fc.features.filter((f) => f.properties.code === highlight) } : fc;
      const b = boundsOf(projection.features(own));
      if (b && !fix) map.fitBounds(b, { padding: 20, duration: 0 });
    });
    return () => {
      map.remove();
      mapRef.current = null;
      markerRef.current = null;
    };
    // The map is built once per grid set; the fix moves the marker below.
  }, [settings, projection, grids, highlight]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || !fix) return;
    const at = projection.toMap(fix.lng, fix.lat);
    markerRef.current ??= new Marker({ color: '#f5222d' }).setLngLat(at).addTo(map);
    markerRef.current.setLngLat(at);
    map.easeTo({ center: at, duration: 300 });
  }, [fix, projection]);

  return <div ref={ref} data-testid="report-basemap" style={{ height: 220, width: '100%', borderRadius: 8, overflow: 'hidden' }} />;
}
