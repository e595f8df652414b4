import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import type { Persona } from '../../../shared/influencer/persona';
import type { SafetyFinding } from '../../../shared/influencer/safety';
import type { Script } from '../../../shared/influencer/script';
import { useNavigation } from '../../app/navigation';
import { errorText, useNotices } from '../../app/notices';
import { assets, campaigns, compositions, db } from '../../db';
import { useThumbnail } from '../compositor/thumbnails';
import { uploadToLibrary } from '../compositor/upload';
import type { Asset } from '../../db/assets';
import { recordAuditEvent } from '../../db/audit';
import { studio } from '../../trpc';

function PortraitPreview({ path }: { path: string }) {
  const url = useThumbnail(path, 1, 320);
  return url ? <img className="portrait-preview" src={url} alt="The persona's portrait" /> : null;
}

/** Hear it, open it in the compositor, or render it for every platform the persona posts on. */
export function VideoActions({ persona, script, blocked, findings }: { persona: Persona; script: Script; blocked: boolean; findings: SafetyFinding[] }) {
  const go = useNavigation((s) => s.go);
  const show = useNotices((s) => s.show);
  const library = useLiveQuery(async () => (await db.assets.toArray()) as Asset[], []);
  const images = library?.filter((a) => a.kind === 'image');
  const sounds = library?.filter((a) => a.kind === 'audio');
  const [music, setMusic] = useState('');
  const [portrait, setPortrait] = useState<string>('');
  const [override, setOverride] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [voice, setVoice] = useState<string | null>(null);
  const chosen = portrait || images?.[0]?.path || '';
  const mayRender = !blocked || override;

  const run = async (label: string, action: () => Promise<void>) => {
    setBusy(label);
    try {
      // Rendering past a failed safety check is allowed only knowingly, and it is put on the record.
      if (blocked && override && label !== 'Speaking…' && label !== 'Importing…') {
        await recordAuditEvent({ db, kind: 'script-safety-override', subjectId: script.id, details: { personaId: persona.id, findings: findings.filter((f) => f.severity === 'block').map((f) => f.message) } });
      }
      await action();
    } catch (error) {
      show({ tone: 'error', text: errorText(error) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="panel" aria-label="Video">
      <h2>Video</h2>
      <div className="row">
        <button className="button small" disabled={busy !== null} onClick={() => void run('Speaking…', async () => setVoice((await studio.influencer.speak.query({ persona, text: `${script.hook.text} ${script.body.text} ${script.cta.text}` })).dataUrl))}>
          Hear the voice
        </button>
        {voice && <audio src={voice} controls autoPlay aria-label="Voice preview" />}
      </div>
      <label className="button small">
        Choose portrait…
        <input
          type="file"
          hidden
          accept="image/*"
          aria-label="Choose portrait image"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void run('Importing…', async () => setPortrait((await assets.record(await uploadToLibrary(file, persona.id))).path));
          }}
        />
      </label>
      <label className="field">
        <span>Portrait</span>
        <select value={chosen} onChange={(e) => setPortrait(e.target.value)} aria-label="Portrait">
          {images?.length === 0 && <option value="">Import a portrait image in the Compositor's media panel first</option>}
          {images?.map((a) => <option key={a.id} value={a.path}>{a.originalName}</option>)}
        </select>
      </label>
      {chosen && <PortraitPreview path={chosen} />}
      <label className="field">
        <span>Music bed (ducked under the voice)</span>
        <select value={music} onChange={(e) => setMusic(e.target.value)} aria-label="Music">
          <option value="">No music</option>
          {sounds?.map((a) => <option key={a.id} value={a.path}>{a.originalName}</option>)}
        </select>
      </label>
      {blocked && (
        <label className="chip">
          <input type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} />
          Render anyway: I have checked the safety findings and take responsibility (this is recorded)
        </label>
      )}
      <div className="row">
        <button
          className="button small"
          disabled={!chosen || busy !== null || !mayRender}
          onClick={() =>
            void run('Building…', async () => {
              const [composition] = await studio.influencer.createVideo.mutate({ persona, script, presets: [persona.platforms[0] ?? 'tiktok'], portraitPath: chosen, ...(music ? { musicPath: music } : {}) });
              const campaignId = persona.brand.campaignId ?? (await campaigns.list({ status: 'all' }))[0]?.id;
              if (!campaignId) throw new Error('Create a campaign first: compositions belong to one.');
              const record = await compositions.create({ campaignId, name: composition!.name, preset: composition!.preset! });
              await compositions.save(record.id, { ...composition!, id: record.id });
              go('compositor', record.id);
            })
          }
        >
          Create video
        </button>
        <button
          className="button primary small"
          disabled={!chosen || busy !== null || !mayRender}
          onClick={() =>
            void run('Rendering…', async () => {
              const jobs = await studio.influencer.renderAllPlatforms.mutate({ persona, script, portraitPath: chosen, ...(music ? { musicPath: music } : {}), outputFolder: localStorage.getItem('kata.renderFolder') ?? '/tmp' });
              show({ tone: 'info', text: `${jobs.length} renders queued` });
              go('renders');
            })
          }
        >
          Render all platforms
        </button>
        {busy && <span className="list-meta" role="status">{busy}</span>}
      </div>
    </section>
  );
}
