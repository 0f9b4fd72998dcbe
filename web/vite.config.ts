import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The web console. `vite build --config web/vite.config.ts` writes web/dist,
 * which the server serves; `vite --config web/vite.config.ts` runs a dev
 * server that forwards /api to a server on :8080 (or CIVICGRID_API_URL). The Host header is kept
 * (no changeOrigin) so the server's same-origin check accepts the dev origin.
 */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: {
      '/api': { target: process.env.CIVICGRID_API_URL ?? 'http://localhost:8080' },
    },
  },
});
