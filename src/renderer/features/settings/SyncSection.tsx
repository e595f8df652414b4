import { useLiveQuery } from 'dexie-react-hooks';
import { syncLabel, useSync } from '../../app/sync';
import { db } from '../../db';
import type { SyncConflict } from '../../db/database';

const shown = (value: unknown) => (typeof value === 'string' ? `“${value}”` : JSON.stringify(value));

function conflictLine(conflict: SyncConflict): string {
  if (conflict.kind === 'overwritten') return `${conflict.recordType} ${conflict.recordId}: your change replaced ${conflict.field} = ${shown(conflict.value)}, set by ${conflict.updatedBy ?? 'someone'} on the Hub`;
  return `${conflict.recordType} ${conflict.recordId}: ${conflict.message} (your change: ${shown(conflict.value)})`;
}

/** Sync with the Hub: its state, Sync now, and what the last syncs overwrote or refused. */
export function SyncSection() {
  const sync = useSync();
  const label = syncLabel(sync.status);
  const conflicts = useLiveQuery(() => db.syncConflicts.orderBy('seq').reverse().limit(50).toArray(), []);
  return (
    <section className="panel" aria-labelledby="sync-heading">
      <h2 id="sync-heading">Sync</h2>
      <p className={`tone-${label.tone}`} data-testid="sync-state">
        {label.text}
        {label.title && label.tone !== 'ok' ? ` — ${label.title}` : ''}
      </p>
      <div className="row">
        <button className="button" type="button" onClick={() => void sync.syncNow()} disabled={sync.status.state === 'syncing'}>
          Sync now
        </button>
      </div>
      <h3>Overwritten and refused changes</h3>
      {conflicts?.length ? (
        <ul className="list" aria-label="Sync conflicts">
          {conflicts.map((conflict) => (
            <li key={conflict.seq} className="list-meta" title={conflict.at}>
              {conflictLine(conflict)}
            </li>
          ))}
        </ul>
      ) : (
        <p className="list-meta">None: every change merged cleanly.</p>
      )}
    </section>
  );
}
