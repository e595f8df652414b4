import { useEffect, type ReactNode } from 'react';
import { AudiencePage } from '../features/audience/AudiencePage';
import { CampaignsPage } from '../features/campaigns/CampaignsPage';
import { CompositorPage } from '../features/compositor/CompositorPage';
import { InfluencersPage } from '../features/influencer/InfluencersPage';
import { RendersPage } from '../features/renders/RendersPage';
import { SettingsPage } from '../features/settings/SettingsPage';
import { ErrorBoundary } from './ErrorBoundary';
import { pages, useNavigation, type PageId } from './navigation';
import { Notices } from './Notices';
import { Sidebar } from './Sidebar';
import { StatusBar } from './StatusBar';
import { startRenderRecordSync } from './render-records-sync';
import { startSync } from './sync';
import { useStudioStatus } from './studio-status';

const pageViews: Record<PageId, () => ReactNode> = {
  campaigns: () => <CampaignsPage />,
  compositor: () => <CompositorPage />,
  influencers: () => <InfluencersPage />,
  audience: () => <AudiencePage />,
  renders: () => <RendersPage />,
  settings: () => <SettingsPage />,
};

/** Ctrl/Cmd+1..6 switch pages from anywhere. */
function usePageShortcuts() {
  const go = useNavigation((s) => s.go);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      const page = pages.find((p) => p.key === event.key);
      if (!page) return;
      event.preventDefault();
      go(page.id);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go]);
}

export function App() {
  const page = useNavigation((s) => s.page);
  const itemId = useNavigation((s) => s.itemId);
  const refresh = useStudioStatus((s) => s.refresh);
  usePageShortcuts();
  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(startSync, []);
  useEffect(startRenderRecordSync, []);
  const label = pages.find((p) => p.id === page)?.label ?? '';

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Sidebar />
      <main id="main" className="page" aria-label={label} tabIndex={-1}>
        <ErrorBoundary area={`the ${label} page`} resetKey={`${page}/${itemId ?? ''}`}>
          {pageViews[page]()}
        </ErrorBoundary>
      </main>
      <StatusBar />
      <Notices />
    </div>
  );
}
