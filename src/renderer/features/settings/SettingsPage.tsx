import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import { PageHeader } from '../../app/PageHeader';
import { useStudioStatus } from '../../app/studio-status';
import { db } from '../../db';
import { currentSchemaVersion } from '../../db/schema';
import { link } from '../../trpc';
import { FfmpegSection } from './FfmpegSection';
import { HubSection } from './HubSection';
import { SyncSection } from './SyncSection';

export function SettingsPage() {
  const { info, hub, refresh } = useStudioStatus();
  const [checking, setChecking] = useState(false);
  const pending = useLiveQuery(() => db.outbox.count(), []);

  return (
    <>
      <PageHeader title="Settings">
        <button
          className="button"
          disabled={checking}
          onClick={async () => {
            setChecking(true);
            await refresh({ ffmpeg: true });
            setChecking(false);
          }}
        >
          {checking ? 'Checking…' : 'Check again'}
        </button>
      </PageHeader>
      <div className="settings">
        <section className="panel" aria-labelledby="about-heading">
          <h2 id="about-heading">About</h2>
          <dl className="facts">
            <dt>Version</dt>
            <dd>{info?.appVersion ?? '…'}</dd>
            <dt>Running as</dt>
            <dd>{info ? (info.runtime === 'electron' ? 'Desktop app' : 'Browser host') : '…'} ({link === 'ipc' ? 'IPC' : 'WebSocket'})</dd>
            <dt>Platform</dt>
            <dd>{info ? `${info.platform} ${info.arch}` : '…'}</dd>
          </dl>
        </section>
        <FfmpegSection ffmpeg={info?.ffmpeg ?? null} />
        <HubSection hub={hub} onUrlSaved={() => void refresh()} />
        <SyncSection />
        <section className="panel" aria-labelledby="data-heading">
          <h2 id="data-heading">Local data</h2>
          <dl className="facts">
            <dt>Database</dt>
            <dd>IndexedDB “{db.name}”, schema version {currentSchemaVersion}</dd>
            <dt>Changes waiting to sync</dt>
            <dd data-testid="outbox-count">{pending ?? '…'}</dd>
          </dl>
        </section>
      </div>
    </>
  );
}
