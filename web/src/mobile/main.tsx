import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MobileApp } from './App.js';
import { registerServiceWorker } from './sw-register.js';

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from m/index.html');
createRoot(root).render(
  <StrictMode>
    <MobileApp />
  </StrictMode>,
);
registerServiceWorker();
