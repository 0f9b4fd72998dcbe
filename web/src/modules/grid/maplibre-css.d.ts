/** MapLibre's stylesheet, bundled by Vite (controls, markers, attribution). */
declare module 'maplibre-gl/dist/maplibre-gl.css';

/** The MapLibre worker as an emitted asset URL (Vite `?url`): the bundle cannot find it next to itself. */
declare module 'maplibre-gl/dist/maplibre-gl-worker.mjs?url' {
  const url: string;
  export default url;
}
