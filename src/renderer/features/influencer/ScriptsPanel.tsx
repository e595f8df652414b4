import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import type { Persona } from '../../../shared/influencer/persona';
import { checkScriptSafety, type SafetyFinding } from '../../../shared/influencer/safety';
import { defaultTargetSeconds, scriptSections, scriptTiming, type Script, type ScriptSection } from '../../../shared/influencer/script';
import { errorText, useNotices } from '../../app/notices';
import { influencers } from '../../db';
import { studio } from '../../trpc';
import { VideoActions } from './VideoActions';

type Platform = keyof typeof defaultTargetSeconds;
const sectionNames: Record<ScriptSection, string> = { hook: 'Hook', body: 'Body', cta: 'Call to action' };

/** Text with the safety findings' spans marked. */
function Marked({ text, findings }: { text: string; findings: SafetyFinding[] }) {
  const spans = findings.filter((f) => f.end - f.start < text.length || text.length === 0).sort((a, b) => a.start - b.start);
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue;
    parts.push(text.slice(at, span.start), <mark key={span.start} className={span.severity} title={span.message}>{text.slice(span.start, span.end)}</mark>);
    at = span.end;
  }
  parts.push(text.slice(at));
  return <p className="marked">{parts}</p>;
}

function ScriptEditor({ persona, script, platform }: { persona: Persona; script: Script; platform: Platform }) {
  const [draft, setDraft] = useState(script);
  const show = useNotices((s) => s.show);
  const timing = scriptTiming(draft, persona.voice.ratePercent);
  const target = draft.targets[platform] ?? defaultTargetSeconds[platform];
  const safety = checkScriptSafety(draft, { bannedWords: persona.brand.bannedWords, competitors: persona.brand.competitors, requireAdDisclosure: persona.disclosure.paidPartnership, requireAiDisclosure: persona.disclosure.aiLabel !== 'none' });
  const dirty = JSON.stringify(draft) !== JSON.stringify(script);
  return (
    <section className="panel script-editor" aria-label={`Script ${script.title}`}>
      <div className="row">
        <input className="layer-name" aria-label="Script title" value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} />
        <button className="button primary small" disabled={!dirty} onClick={() => void influencers.saveScript(draft).then(() => show({ tone: 'info', text: 'Script saved' }), (e: unknown) => show({ tone: 'error', text: errorText(e) }))}>
          Save script
        </button>
      </div>
      {scriptSections.map((section) => (
        <label key={section} className="field">
          <span>
            {sectionNames[section]} · <span data-testid={`timing-${section}`}>{timing[section].toFixed(1)} s</span>
          </span>
          <textarea rows={section === 'body' ? 5 : 2} value={draft[section].text} onChange={(e) => setDraft({ ...draft, [section]: { text: e.target.value } })} />
        </label>
      ))}
      <p className={timing.total > target ? 'tone-bad' : 'list-meta'} data-testid="timing-total">
        About {timing.total.toFixed(1)} s of {target} s for {platform}
        {timing.total > target ? ': too long, cut some words' : ''}
      </p>
      <div className={`safety ${safety.passed ? 'ok' : 'bad'}`} aria-label="Brand safety" role="region">
        <strong data-testid="safety-score">Safety {safety.score}/100</strong> {safety.passed ? 'ready to render' : 'fix these before rendering'}
        <ul>
          {safety.findings.map((f, i) => (
            <li key={i} className={f.severity}>
              {sectionNames[f.section]}: {f.message}
            </li>
          ))}
        </ul>
        {scriptSections.map((section) => {
          const here = safety.findings.filter((f) => f.section === section && !f.rule.startsWith('missing'));
          return here.length > 0 ? <Marked key={section} text={draft[section].text} findings={here} /> : null;
        })}
      </div>
      <VideoActions persona={persona} script={draft} blocked={!safety.passed} findings={safety.findings} />
    </section>
  );
}

/** The persona's scripts: generate variants for a platform (offline or with an AI service), then edit with live timing and safety. */
export function ScriptsPanel({ persona }: { persona: Persona }) {
  const scripts = useLiveQuery(() => influencers.listScripts(persona.id), [persona.id]);
  const show = useNotices((s) => s.show);
  const [platform, setPlatform] = useState<Platform>((persona.platforms[0] as Platform) ?? 'tiktok');
  const [engine, setEngine] = useState<'offline' | 'chat'>('offline');
  const [endpoint, setEndpoint] = useState({ baseUrl: localStorage.getItem('kata.ai.baseUrl') ?? 'http://127.0.0.1:11434/v1', model: localStorage.getItem('kata.ai.model') ?? 'llama3' });
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState<string | null>(null);

  async function generate() {
    setBusy(true);
    try {
      localStorage.setItem('kata.ai.baseUrl', endpoint.baseUrl);
      localStorage.setItem('kata.ai.model', endpoint.model);
      const made = await studio.influencer.generateScripts.mutate({ persona, platform, variants: 3, seed: crypto.randomUUID(), engine: engine === 'offline' ? { kind: 'offline' } : { kind: 'chat', ...endpoint } });
      for (const script of made) await influencers.saveScript(script);
      setOpen(made[0]?.id ?? null);
    } catch (error) {
      show({ tone: 'error', text: errorText(error) });
    } finally {
      setBusy(false);
    }
  }

  const current = scripts?.find((s) => s.id === open) ?? scripts?.[0];
  return (
    <div className="scripts">
      <section className="panel" aria-label="Scripts">
        <div className="row">
          <h2>Scripts</h2>
          <span className="spacer" />
          <select aria-label="Platform" value={platform} onChange={(e) => setPlatform(e.target.value as Platform)}>
            {Object.keys(defaultTargetSeconds).map((p) => <option key={p}>{p}</option>)}
          </select>
          <select aria-label="Writer" value={engine} onChange={(e) => setEngine(e.target.value as 'offline' | 'chat')}>
            <option value="offline">Offline writer</option>
            <option value="chat">AI service</option>
          </select>
          <button className="button primary small" disabled={busy} onClick={() => void generate()}>
            {busy ? 'Writing…' : 'Generate 3 variants'}
          </button>
        </div>
        {engine === 'chat' && (
          <div className="field-row">
            <label className="field"><span>Base URL</span><input value={endpoint.baseUrl} onChange={(e) => setEndpoint({ ...endpoint, baseUrl: e.target.value })} /></label>
            <label className="field"><span>Model</span><input value={endpoint.model} onChange={(e) => setEndpoint({ ...endpoint, model: e.target.value })} /></label>
          </div>
        )}
        {scripts?.length === 0 && <p className="hint">No scripts yet: generate variants, then edit the one you like.</p>}
        <ul className="list">
          {scripts?.map((s) => (
            <li key={s.id}>
              <button className={s.id === current?.id ? 'list-item selected' : 'list-item'} onClick={() => setOpen(s.id)}>
                <span className="list-title">{s.document.title}</span>
                <span className="list-meta">{s.document.hook.text}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      {current && <ScriptEditor key={`${current.id}-${current.updatedAt}`} persona={persona} script={current.document} platform={platform} />}
    </div>
  );
}
