import { useHubAccount, type HubAccount } from './hub-account';
import { useStudioStatus, type HubStatus, type SystemInfo } from './studio-status';
import { syncLabel, useSync } from './sync';

function ffmpegLabel(info: SystemInfo | null): { text: string; tone: 'ok' | 'warn' | 'bad' | 'idle' } {
  if (!info) return { text: 'FFmpeg: checking…', tone: 'idle' };
  const { ffmpeg } = info;
  if (!ffmpeg.found) return { text: 'FFmpeg: not found', tone: 'bad' };
  if (ffmpeg.missing.length > 0) return { text: `FFmpeg ${ffmpeg.version}: ${ffmpeg.missing.length} missing`, tone: 'warn' };
  return { text: `FFmpeg ${ffmpeg.version}`, tone: 'ok' };
}

function hubLabel(hub: HubStatus | null, account: HubAccount | null): { text: string; tone: 'ok' | 'warn' | 'bad' | 'idle' } {
  if (!hub) return { text: 'Hub: checking…', tone: 'idle' };
  if (hub.state === 'not-configured') return { text: 'Hub: not connected', tone: 'idle' };
  if (account?.state === 'signed-in') return hub.state === 'connected' ? { text: `Hub: ${account.user.name} · ${account.workspace.name}`, tone: 'ok' } : { text: `Hub: ${account.user.name} · ${account.workspace.name} (offline)`, tone: 'warn' };
  if (account?.state === 'signed-out' && account.problem) return { text: 'Hub: signed out', tone: 'warn' };
  if (hub.state === 'connected') return { text: 'Hub: connected, not signed in', tone: 'ok' };
  if (hub.state === 'misconfigured') return { text: 'Hub: setting is wrong', tone: 'bad' };
  return { text: 'Hub: unreachable', tone: 'warn' };
}

export function StatusBar() {
  const { info, hub, connection, problem } = useStudioStatus();
  const ffmpeg = ffmpegLabel(info);
  const account = useHubAccount((state) => state.account);
  const hubState = hubLabel(hub, account);
  const sync = useSync();
  const syncState = syncLabel(sync.status);
  return (
    <footer className="status-bar" aria-label="Status">
      <span data-testid="status-version">Kata Studio {info?.appVersion ?? __KATA_VERSION__}</span>
      <a href="#/settings" className={`status-item tone-${ffmpeg.tone}`} data-testid="status-ffmpeg" title={info?.ffmpeg.found === false ? info.ffmpeg.problem : undefined}>
        <span className="dot" aria-hidden="true" />
        {ffmpeg.text}
      </a>
      <a href="#/settings" className={`status-item tone-${hubState.tone}`} data-testid="status-hub">
        <span className="dot" aria-hidden="true" />
        {hubState.text}
      </a>
      <span className={`status-item tone-${syncState.tone}`} data-testid="status-sync" title={syncState.title} role="status">
        <span className="dot" aria-hidden="true" />
        {syncState.text}
      </span>
      <button type="button" className="status-action" onClick={() => void sync.syncNow()} disabled={sync.status.state === 'syncing'}>
        Sync now
      </button>
      <span className="spacer" />
      {connection === 'lost' && (
        <span className="status-item tone-bad" role="status">
          Lost the connection to Studio; reconnecting… Your work is saved in this browser.
        </span>
      )}
      {connection === 'refused' && (
        <span className="status-item tone-bad" role="status">
          Cannot reach Studio: open the exact URL that `npm run studio:web` printed (it carries the access token).
        </span>
      )}
      {problem && connection === 'open' && (
        <span className="status-item tone-bad" role="status" title={problem}>
          {problem}
        </span>
      )}
    </footer>
  );
}
