import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The worker app's entry (served under /m/) and the files its service worker precaches. */
const MOBILE_ENTRY = fileURLToPath(new URL('./m/index.html', import.meta.url));
const mobileShell = new Set<string>();

/**
 * Collects the files the worker app needs to open offline: its HTML, the
 * chunks its entry imports statically, their CSS and assets, and what lies
 * under /m/ (manifest, icons). Lazy chunks (the map) are left to the
 * service worker's runtime cache, and the console's own chunks are left out,
 * so installing the app downloads only the app.
 */
function mobileShellFiles(): Plugin {
  return {
    name: 'civicgrid:mobile-shell',
    apply: 'build',
    generateBundle(_options, bundle) {
      mobileShell.clear();
      const entry = Object.values(bundle).find((c) => c.type === 'chunk' && c.isEntry && c.facadeModuleId === MOBILE_ENTRY);
      if (!entry || entry.type !== 'chunk') throw new Error('the worker app entry (web/m/index.html) is missing from the build');
      const seen = new Set<string>();
      const walk = (fileName: string): void => {
        if (seen.has(fileName)) return;
        seen.add(fileName);
        mobileShell.add(`/${fileName}`);
        const chunk = bundle[fileName];
        if (chunk?.type !== 'chunk') return;
        for (const css of chunk.viteMetadata?.importedCss ?? []) mobileShell.add(`/${css}`);
        for (const asset of chunk.viteMetadata?.importedAssets ?? []) mobileShell.add(`/${asset}`);
        for (const imported of chunk.imports) walk(imported);
      };
      walk(entry.fileName);
    },
  };
}

/**
 * The web build: the console (index.html) and the worker's phone app
 * (m/index.html, served under /m/ with its own service worker).
 * `vite build --config web/vite.config.ts` writes web/dist, which the server
 * serves; `vite --config web/vite.config.ts` runs a dev server that forwards
 * /api to a server on :8080 (or CIVICGRID_API_URL). The Host header is kept
 * (no changeOrigin) so the server's same-origin check accepts the dev origin.
 */
export default defineConfig({
  root,
  base: '/',
  plugins: [
    react(),
    mobileShellFiles(),
    VitePWA({
      strategies: 'generateSW',
      filename: 'm/sw.js',
      scope: '/m/',
      // The app registers the worker itself (workbox-window, web/src/mobile/sw-register.ts) and links its own
      // manifest (web/public/m/manifest.webmanifest): the plugin would otherwise add both to the console's page too.
      injectRegister: false,
      manifest: false,
      registerType: 'prompt',
      workbox: {
        cacheId: 'civicgrid-m',
        globPatterns: ['**/*.{js,css,html,png,svg,webmanifest,woff2}'],
        // Precache URLs are site-absolute: the worker lives under /m/ but the chunks under /assets/.
        modifyURLPrefix: { '': '/' },
        dontCacheBustURLsMatching: /^\/assets\//,
        manifestTransforms: [
          async (entries) => ({
            manifest: entries.filter((e) => mobileShell.has(e.url) || e.url.startsWith('/m/')),
            warnings: [],
          }),
        ],
        navigateFallback: '/m/index.html',
        navigateFallbackAllowlist: [/^\/m\//],
        inlineWorkboxRuntime: true,
        clientsClaim: true,
        cleanupOutdatedCaches: true,
        runtimeCaching: [
          {
            // Lazy chunks of the app (the map), kept once fetched: their names carry a content hash.
            urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/assets/'),
            handler: 'CacheFirst',
            options: { cacheName: 'civicgrid-m-lazy', expiration: { maxEntries: 40 } },
          },
        ],
      },
    }),
  ],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: {
        console: fileURLToPath(new URL('./index.html', import.meta.url)),
        mobile: MOBILE_ENTRY,
        // The citizens' public page (/report/): no account, no service worker.
        report: fileURLToPath(new URL('./report/index.html', import.meta.url)),
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: process.env.CIVICGRID_API_URL ?? 'http://localhost:8080' },
    },
  },
});
