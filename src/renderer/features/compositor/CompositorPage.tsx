import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import { platformPresets, type PresetId } from '../../../shared/composition/presets';
import { EmptyState } from '../../app/EmptyState';
import { useNavigation } from '../../app/navigation';
import { errorText, useNotices } from '../../app/notices';
import { PageHeader } from '../../app/PageHeader';
import { campaigns, compositions } from '../../db';
import { EditorView } from './EditorView';

export function CompositorPage() {
  const { itemId, go } = useNavigation();
  const show = useNotices((s) => s.show);
  const active = useLiveQuery(() => campaigns.list(), []);
  const [campaignId, setCampaignId] = useState<string | null>(null);
  const chosen = campaignId ?? active?.[0]?.id ?? null;
  const list = useLiveQuery(() => (chosen ? compositions.listForCampaign(chosen) : Promise.resolve([])), [chosen]);
  const [name, setName] = useState('');
  const [preset, setPreset] = useState<PresetId>('tiktok');

  if (itemId) return <EditorView key={itemId} compositionId={itemId} />;
  if (active && active.length === 0) {
    return (
      <>
        <PageHeader title="Compositor" />
        <EmptyState title="No compositions yet" action={{ label: 'Go to Campaigns', run: () => go('campaigns') }}>
          Compositions belong to a campaign: blend, overlay, split-screen and picture-in-picture videos, rendered offline with
          FFmpeg. Start with a campaign, then add its first composition.
        </EmptyState>
      </>
    );
  }

  async function create() {
    if (!chosen) return;
    try {
      const record = await compositions.create({ campaignId: chosen, name: name.trim() || 'Untitled composition', preset });
      go('compositor', record.id);
    } catch (error) {
      show({ tone: 'error', text: errorText(error) });
    }
  }

  return (
    <>
      <PageHeader title="Compositor">
        <select aria-label="Campaign" value={chosen ?? ''} onChange={(e) => setCampaignId(e.target.value)}>
          {active?.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </PageHeader>
      <div className="split">
        <section className="panel" aria-label="New composition">
          <h2>New composition</h2>
          <label className="field">
            <span>Name</span>
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Launch teaser" />
          </label>
          <label className="field">
            <span>Made for</span>
            <select value={preset} onChange={(e) => setPreset(e.target.value as PresetId)}>
              {platformPresets.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label} ({p.width}x{p.height})
                </option>
              ))}
            </select>
          </label>
          <button className="button primary" onClick={() => void create()}>
            Create composition
          </button>
        </section>
        <ul className="list" aria-label="Compositions">
          {list?.length === 0 && <p className="hint">No compositions in this campaign yet.</p>}
          {list?.map((record) => (
            <li key={record.id}>
              <button className="list-item" onClick={() => go('compositor', record.id)}>
                <span className="list-title">{record.name}</span>
                <span className="list-meta">
                  {record.document.canvas.width}x{record.document.canvas.height} · {record.document.canvas.duration} s · changed {new Date(record.updatedAt).toLocaleString()}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </div>
    </>
  );
}
