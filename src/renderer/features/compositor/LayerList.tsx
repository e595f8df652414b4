import { useEditor } from './use-editor';

/** The layer stack, top first: select, hide, lock, rename and reorder whole tracks. */
export function LayerList() {
  const tracks = useEditor((s) => s.history.present.tracks);
  const selection = useEditor((s) => s.selection);
  const { perform, select } = useEditor((s) => s);
  const ordered = tracks.map((track, index) => ({ track, index })).reverse();
  return (
    <section className="panel layers" aria-label="Layers">
      <h2>Layers</h2>
      <ul className="layer-list">
        {ordered.map(({ track, index }) => (
          <li key={track.id} className={track.clips.some((c) => selection.includes(c.id)) ? 'selected' : ''}>
            <input
              className="layer-name"
              aria-label={`Name of ${track.name ?? track.id}`}
              value={track.name ?? ''}
              placeholder={track.id}
              onChange={(e) => perform('setTrack', { trackId: track.id, name: e.target.value })}
            />
            <button className="layer-button" title="Select its clips" aria-label={`Select ${track.name ?? track.id}`} onClick={() => select(track.clips.map((c) => c.id))}>
              Select
            </button>
            {track.kind === 'visual' ? (
              <button className="layer-button" aria-pressed={track.hidden} aria-label={`${track.hidden ? 'Show' : 'Hide'} ${track.name ?? track.id}`} onClick={() => perform('setTrack', { trackId: track.id, hidden: !track.hidden })}>
                {track.hidden ? 'Show' : 'Hide'}
              </button>
            ) : (
              <button className="layer-button" aria-pressed={track.muted} aria-label={`${track.muted ? 'Unmute' : 'Mute'} ${track.name ?? track.id}`} onClick={() => perform('setTrack', { trackId: track.id, muted: !track.muted })}>
                {track.muted ? 'Unmute' : 'Mute'}
              </button>
            )}
            <button className="layer-button" aria-pressed={track.locked} aria-label={`${track.locked ? 'Unlock' : 'Lock'} ${track.name ?? track.id}`} onClick={() => perform('setTrack', { trackId: track.id, locked: !track.locked })}>
              {track.locked ? 'Unlock' : 'Lock'}
            </button>
            <button className="layer-button" aria-label={`Move ${track.name ?? track.id} up`} disabled={index === tracks.length - 1} onClick={() => perform('reorderTrack', { trackId: track.id, toIndex: index + 1 })}>
              ↑
            </button>
            <button className="layer-button" aria-label={`Move ${track.name ?? track.id} down`} disabled={index === 0} onClick={() => perform('reorderTrack', { trackId: track.id, toIndex: index - 1 })}>
              ↓
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
