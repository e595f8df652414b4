import { useLiveQuery } from 'dexie-react-hooks';
import { useState, type DragEvent } from 'react';
import { errorText, useNotices } from '../../app/notices';
import { assets } from '../../db';
import { mediaOf, type Asset, type ImportedItem } from '../../db/assets';
import { link, studio } from '../../trpc';
import { uploadToLibrary } from './upload';
import { useThumbnail } from './thumbnails';
import { useEditor } from './use-editor';

function Thumbnail({ asset }: { asset: Asset }) {
  const url = useThumbnail(asset.path, asset.kind === 'video' ? 4 : 1);
  if (asset.kind === 'audio') return <span className="thumb sound" aria-hidden="true">♪</span>;
  return url ? <img className="thumb" src={url} alt="" /> : <span className="thumb" aria-hidden="true" />;
}

function describe(asset: Asset): string {
  const parts: string[] = [asset.kind];
  if (asset.width && asset.height) parts.push(`${asset.width}x${asset.height}`);
  if (asset.durationSeconds) parts.push(`${asset.durationSeconds.toFixed(1)} s`);
  return parts.join(' · ');
}

/** The campaign's media library: import by picker or drop, then put files on the timeline at the playhead. */
export function MediaPanel() {
  const campaignId = useEditor((s) => s.campaignId);
  const playhead = useEditor((s) => s.playhead);
  const perform = useEditor((s) => s.perform);
  const select = useEditor((s) => s.select);
  const show = useNotices((s) => s.show);
  const library = useLiveQuery(() => assets.listForCampaign(campaignId), [campaignId]);
  const [busy, setBusy] = useState<string | null>(null);
  const [over, setOver] = useState(false);

  async function remember(items: ImportedItem[]) {
    for (const item of items) {
      await assets.record(item);
      // The editing proxy makes preview frames fast; it is made once, in the background.
      if (item.info.kind === 'video') void studio.media.makeProxy.mutate({ path: item.path }).catch(() => undefined);
    }
  }

  async function importFiles(files: File[]) {
    if (link === 'ipc') {
      // The desktop app copies from disk: no upload.
      const paths = files.map((file) => window.kataFiles?.pathOf(file)).filter((p): p is string => Boolean(p));
      if (paths.length === 0) return;
      setBusy(`Importing ${paths.length} file${paths.length === 1 ? '' : 's'}…`);
      await studio.media.import.mutate({ campaignId, paths }).then(remember, (error: unknown) => show({ tone: 'error', text: errorText(error) }));
      setBusy(null);
      return;
    }
    for (const file of files) {
      setBusy(`Importing ${file.name}…`);
      try {
        await remember([await uploadToLibrary(file, campaignId)]);
      } catch (error) {
        show({ tone: 'error', text: errorText(error) });
      }
    }
    setBusy(null);
  }

  async function pickInDesktop() {
    setBusy('Importing…');
    await studio.media.pickAndImport.mutate({ campaignId }).then(remember, (error: unknown) => show({ tone: 'error', text: errorText(error) }));
    setBusy(null);
  }

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    void importFiles([...event.dataTransfer.files]);
  };

  return (
    <section className={`panel media-panel${over ? ' drop-target' : ''}`} aria-label="Media" onDragOver={(e) => { e.preventDefault(); setOver(true); }} onDragLeave={() => setOver(false)} onDrop={onDrop}>
      <div className="row">
        <h2>Media</h2>
        <span className="spacer" />
        {link === 'ipc' ? (
          <button className="button small" onClick={() => void pickInDesktop()}>
            Import…
          </button>
        ) : (
          <label className="button small">
            Import…
            <input type="file" multiple hidden accept="video/*,image/*,audio/*" aria-label="Import media files" onChange={(e) => void importFiles([...(e.target.files ?? [])])} />
          </label>
        )}
      </div>
      {busy && <p className="hint" role="status">{busy}</p>}
      {library && library.length === 0 && !busy && <p className="hint">Drop videos, images or sound here, or use Import.</p>}
      <ul className="media-list">
        {library?.map((asset) => (
          <li key={asset.id}>
            <Thumbnail asset={asset} />
            <span className="list-title" title={asset.path}>{asset.originalName}</span>
            <span className="list-meta">{describe(asset)}</span>
            <button
              className="button small"
              onClick={() => {
                const clipId = `${asset.kind}-${crypto.randomUUID().slice(0, 8)}`;
                if (perform('addMedia', { media: mediaOf(asset), start: playhead, clipId })) select([clipId]);
              }}
            >
              Add at playhead
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
