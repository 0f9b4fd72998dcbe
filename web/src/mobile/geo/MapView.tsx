import { Map as MapLibreMap, Marker } from 'maplibre-gl';
import { useEffect, useRef } from 'react';
import { addGridLayer, boundsOf, plainStyle, type Features, type MapSettings } from '../../modules/incidents/maps.js';
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

  useEffect(() => {
    if (!ref.current) return;
    const map = new MapLibreMap({
      container: ref.current,
      style: plainStyle(settings),
      center: fix ? [fix.lng, fix.lat] : [113.07, 28.115],
      zoom: 15,
      attributionControl: settings.tileAttribution ? {} : false,
    });
    mapRef.current = map;
    map.on('load', () => {
      const fc = grids as unknown as Features;
      addGridLayer(map, 'grids', fc, highlight ?? undefined);
      const own = highlight ? { ...fc, features: fc.features.filter((f) => f.properties.code === highlight) } : fc;
      const b = boundsOf(own);
      if (b && !fix) map.fitBounds(b, { padding: 20, duration: 0 });
    });
    return () => {
      map.remove();
      mapRef.current = null;
      markerRef.current = null;
    };
    // The map is built once per grid set; the fix moves the marker below.
  }, [settings, grids, highlight]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map || !fix) return;
    markerRef.current ??= new Marker({ color: '#f5222d' }).setLngLat([fix.lng, fix.lat]).addTo(map);
    markerRef.current.setLngLat([fix.lng, fix.lat]);
    map.easeTo({ center: [fix.lng, fix.lat], duration: 300 });
  }, [fix]);

  return <div ref={ref} data-testid="report-basemap" style={{ height: 220, width: '100%', borderRadius: 8, overflow: 'hidden' }} />;
}
