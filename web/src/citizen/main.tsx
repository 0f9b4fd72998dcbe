import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { CitizenApp } from './App.js';

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from report/index.html');
createRoot(root).render(
  <StrictMode>
    <CitizenApp />
  </StrictMode>,
);
