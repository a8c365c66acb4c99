import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import './ui/app.css';

// Test hooks for the e2e suite only (kept out of the main bundle by the dynamic import).
if (location.search.includes('e2e=1')) void import('./video/testHooks').then((m) => m.installVideoTestHooks());

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
