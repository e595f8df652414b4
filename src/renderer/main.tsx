import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { ErrorBoundary } from './app/ErrorBoundary';
import { openDatabase } from './db/database';
import { db } from './db';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

openDatabase(db).then(
  () =>
    root.render(
      <StrictMode>
        <ErrorBoundary area="Kata Studio">
          <App />
        </ErrorBoundary>
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <div className="crash fatal" role="alert">
        <h2>Kata Studio cannot open your local data</h2>
        <p className="crash-message">{error instanceof Error ? error.message : String(error)}</p>
      </div>,
    ),
);
