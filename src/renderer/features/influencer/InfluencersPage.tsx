import { useLiveQuery } from 'dexie-react-hooks';
import { useState } from 'react';
import { EmptyState } from '../../app/EmptyState';
import { useNavigation } from '../../app/navigation';
import { errorText, useNotices } from '../../app/notices';
import { PageHeader } from '../../app/PageHeader';
import { influencers } from '../../db';
import { PersonaEditor } from './PersonaEditor';
import { ScriptsPanel } from './ScriptsPanel';

function NewPersona({ onCancel, onDone }: { onCancel?: () => void; onDone: () => void }) {
  const go = useNavigation((s) => s.go);
  const show = useNotices((s) => s.show);
  const [values, setValues] = useState({ name: '', handle: '@', niche: '' });
  return (
    <section className="panel" aria-label="New persona">
      <h2>New persona</h2>
      <label className="field"><span>Name</span><input value={values.name} placeholder="Maya" onChange={(e) => setValues({ ...values, name: e.target.value })} /></label>
      <label className="field"><span>Handle</span><input value={values.handle} onChange={(e) => setValues({ ...values, handle: e.target.value })} /></label>
      <label className="field"><span>Niche</span><input value={values.niche} placeholder="home coffee" onChange={(e) => setValues({ ...values, niche: e.target.value })} /></label>
      <div className="row">
        <button className="button primary" onClick={() => void influencers.createPersona(values).then((p) => {
          onDone();
          go('influencers', p.id);
        }, (e: unknown) => show({ tone: 'error', text: errorText(e) }))}>
          Create persona
        </button>
        {onCancel && <button className="button" onClick={onCancel}>Cancel</button>}
      </div>
    </section>
  );
}

export function InfluencersPage() {
  const { itemId, go } = useNavigation();
  const personas = useLiveQuery(() => influencers.listPersonas(), []);
  const [creating, setCreating] = useState(false);
  const current = personas?.find((p) => p.id === itemId);

  if (personas && personas.length === 0 && !creating) {
    return (
      <>
        <PageHeader title="Influencers" />
        <EmptyState title="No personas yet" action={{ label: 'Create a persona', run: () => setCreating(true) }}>
          A synthetic influencer is a persona with a voice, a look and a tone that turns scripts into short videos for every
          platform. Start with who they are; scripts and videos follow.
        </EmptyState>
      </>
    );
  }
  return (
    <>
      <PageHeader title="Influencers">
        <button className="button primary" onClick={() => setCreating(true)}>New persona</button>
      </PageHeader>
      <div className="split">
        <div className="list">
          {creating && <NewPersona onCancel={() => setCreating(false)} onDone={() => setCreating(false)} />}
          <ul className="list" aria-label="Personas">
            {personas?.map((p) => (
              <li key={p.id}>
                <button className={p.id === itemId ? 'list-item selected' : 'list-item'} onClick={() => go('influencers', p.id)}>
                  <span className="list-title">{p.document.name}</span>
                  <span className="list-meta">{p.document.handle} · {p.document.niche} · {p.document.tone.style}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
        {current ? (
          <div className="influencer-detail">
            <PersonaEditor key={current.updatedAt} persona={current.document} />
            <ScriptsPanel persona={current.document} />
          </div>
        ) : (
          <p className="hint">Select a persona to edit it and write its scripts.</p>
        )}
      </div>
    </>
  );
}
