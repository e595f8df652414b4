import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError } from './api';
import { ConsoleRouter } from './app/router';
import './styles.css';

const queries = new QueryClient({
  defaultOptions: {
    // A refusal (4xx) will not change on a retry; a network blip might.
    queries: { retry: (failures, error) => failures < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500), refetchOnWindowFocus: false },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <ConsoleRouter />
    </QueryClientProvider>
  </StrictMode>,
);
