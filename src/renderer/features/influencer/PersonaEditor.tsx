import { useState } from 'react';
import { personaPlatforms, toneStyles, type Persona } from '../../../shared/influencer/persona';
import { errorText, useNotices } from '../../app/notices';
import { useNavigation } from '../../app/navigation';
import { influencers } from '../../db';

const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);
const list = (text: string) => text.split(',').map((l) => l.trim()).filter(Boolean);

/** Who the persona is, how they sound and look, what they sell and how they disclose it. */
export function PersonaEditor({ persona }: { persona: Persona }) {
  const [draft, setDraft] = useState(persona);
  const show = useNotices((s) => s.show);
  const go = useNavigation((s) => s.go);
  const product = draft.brand.products[0] ?? { name: '', benefits: [] };
  const set = (change: Partial<Persona>) => setDraft((d) => ({ ...d, ...change }));
  const dirty = JSON.stringify(draft) !== JSON.stringify(persona);

  async function save() {
    try {
      await influencers.savePersona(draft);
      show({ tone: 'info', text: `Saved ${draft.name}` });
    } catch (error) {
      show({ tone: 'error', text: errorText(error) });
    }
  }

  return (
    <section className="panel persona-editor" aria-label={`Persona ${persona.name}`}>
      <div className="row">
        <h2>{persona.name}</h2>
        <span className="list-meta">{persona.handle}</span>
        <span className="spacer" />
        <button className="button small" onClick={() => void influencers.duplicatePersona(persona.id).then((copy) => go('influencers', copy.id), (e: unknown) => show({ tone: 'error', text: errorText(e) }))}>
          Duplicate as variant
        </button>
        <button className="button primary small" disabled={!dirty} onClick={() => void save()}>
          Save persona
        </button>
      </div>
      <div className="field-row">
        <label className="field"><span>Name</span><input value={draft.name} onChange={(e) => set({ name: e.target.value })} /></label>
        <label className="field"><span>Handle</span><input value={draft.handle} onChange={(e) => set({ handle: e.target.value })} /></label>
      </div>
      <div className="field-row">
        <label className="field"><span>Niche</span><input value={draft.niche} onChange={(e) => set({ niche: e.target.value })} /></label>
        <label className="field"><span>Audience</span><input value={draft.audience} onChange={(e) => set({ audience: e.target.value })} /></label>
      </div>
      <div className="field-row">
        <label className="field">
          <span>Tone</span>
          <select value={draft.tone.style} onChange={(e) => set({ tone: { ...draft.tone, style: e.target.value as Persona['tone']['style'] } })}>
            {toneStyles.map((t) => <option key={t}>{t}</option>)}
          </select>
        </label>
        <label className="field"><span>Tone in words</span><input value={draft.tone.description} onChange={(e) => set({ tone: { ...draft.tone, description: e.target.value } })} /></label>
      </div>
      <div className="field-row">
        <label className="field"><span>Voice speed %</span><input type="number" min={50} max={200} value={draft.voice.ratePercent} onChange={(e) => set({ voice: { ...draft.voice, ratePercent: Number(e.target.value) } })} /></label>
        <label className="field"><span>Voice pitch %</span><input type="number" min={0} max={100} value={draft.voice.pitchPercent} onChange={(e) => set({ voice: { ...draft.voice, pitchPercent: Number(e.target.value) } })} /></label>
      </div>
      <fieldset className="field channels">
        <legend>Platforms</legend>
        <div className="chips">
          {personaPlatforms.map((p) => {
            const on = draft.platforms.includes(p);
            return (
              <label key={p} className={on ? 'chip on' : 'chip'}>
                <input type="checkbox" checked={on} onChange={() => set({ platforms: on ? draft.platforms.filter((x) => x !== p) : [...draft.platforms, p] })} />
                {p}
              </label>
            );
          })}
        </div>
      </fieldset>
      <div className="field-row">
        <label className="field"><span>Brand</span><input value={draft.brand.brandName} onChange={(e) => set({ brand: { ...draft.brand, brandName: e.target.value } })} /></label>
        <label className="field"><span>Product</span><input value={product.name} onChange={(e) => set({ brand: { ...draft.brand, products: [{ ...product, name: e.target.value }] } })} /></label>
      </div>
      <label className="field">
        <span>Product benefits (one per line)</span>
        <textarea rows={3} value={product.benefits.join('\n')} onChange={(e) => set({ brand: { ...draft.brand, products: [{ ...product, benefits: lines(e.target.value) }] } })} />
      </label>
      <label className="field"><span>Brand notes</span><input value={draft.brand.notes} onChange={(e) => set({ brand: { ...draft.brand, notes: e.target.value } })} /></label>
      <div className="field-row">
        <label className="field"><span>Banned words (commas)</span><input value={draft.brand.bannedWords.join(', ')} onChange={(e) => set({ brand: { ...draft.brand, bannedWords: list(e.target.value) } })} /></label>
        <label className="field"><span>Competitors (commas)</span><input value={draft.brand.competitors.join(', ')} onChange={(e) => set({ brand: { ...draft.brand, competitors: list(e.target.value) } })} /></label>
      </div>
      <div className="field-row">
        <label className="chip">
          <input type="checkbox" checked={draft.disclosure.paidPartnership} onChange={(e) => set({ disclosure: { ...draft.disclosure, paidPartnership: e.target.checked } })} />
          Paid partnership (needs #ad)
        </label>
        <label className="field">
          <span>“AI-generated” label</span>
          <select value={draft.disclosure.aiLabel} onChange={(e) => set({ disclosure: { ...draft.disclosure, aiLabel: e.target.value as Persona['disclosure']['aiLabel'] } })}>
            <option value="whole-video">On the whole video</option>
            <option value="first-seconds">In the first seconds</option>
            <option value="none">None</option>
          </select>
        </label>
      </div>
    </section>
  );
}
