import { Workbox } from 'workbox-window';

/**
 * Registers the app's service worker (/m/sw.js, scope /m/), which precaches the app shell so /m/
 * opens with no network. A new version waits until the worker taps "update" (a reload in the middle of
 * a report would lose what is on the screen; the outbox itself survives anything).
 */
type Listener = (ready: boolean) => void;
let workbox: Workbox | null = null;
let updateReady = false;
const listeners = new Set<Listener>();

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  workbox = new Workbox('/m/sw.js', { scope: '/m/' });
  workbox.addEventListener('waiting', () => {
    updateReady = true;
    for (const l of listeners) l(true);
  });
  workbox.addEventListener('controlling', (event) => {
    // Reload once the new version took over (not on the first install).
    if (event.isUpdate) window.location.reload();
  });
  // Under the Vite dev server there is no /m/sw.js: the app then simply runs without one.
  workbox.register().catch(() => undefined);
}

export function onUpdateReady(listener: Listener): () => void {
  listeners.add(listener);
  listener(updateReady);
  return () => listeners.delete(listener);
}

export function applyUpdate(): void {
  workbox?.messageSkipWaiting();
}
