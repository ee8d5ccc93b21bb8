import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { I18nProvider } from './i18n/i18n.js';
import './styles.css';

// ?exercise=ID (an exercise's link for its trainees): this browser tab takes part in that exercise (session.tsx).
const exercise = new URLSearchParams(window.location.search).get('exercise');
if (exercise) sessionStorage.setItem('popart.exercise', exercise);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <I18nProvider>
        <App />
      </I18nProvider>
    </StrictMode>,
  );
}
