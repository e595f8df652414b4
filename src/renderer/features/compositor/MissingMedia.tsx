import { useEffect, useState } from 'react';
import { errorText, useNotices } from '../../app/notices';
import { link, studio } from '../../trpc';
import { uploadToLibrary } from './upload';
import { useEditor } from './use-editor';

/** Says which files of the composition are gone from disk, and lets the user point each at a new copy. */
export function MissingMedia() {
  const composition = useEditor((s) => s.history.present);
  const campaignId = useEditor((s) => s.campaignId);
  const replace = useEditor((s) => s.replace);
  const show = useNotices((s) => s.show);
  const [missing, setMissing] = useState<string[]>([]);
  const paths = composition.media.map((m) => m.path).join('\n');

  useEffect(() => {
    if (!paths) return;
    let live = true;
    studio.media.missing
      .query({ paths: paths.split('\n') })
      .then((gone) => live && setMissing(gone))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [paths]);

  const gone = composition.media.filter((m) => missing.includes(m.path));
  if (gone.length === 0) return null;

  async function relink(mediaId: string, file: File) {
    try {
      const item = link === 'ipc' ? (await studio.media.import.mutate({ campaignId, paths: [window.kataFiles?.pathOf(file) ?? ''] }))[0]! : await uploadToLibrary(file, campaignId);
      replace({ ...composition, media: composition.media.map((m) => (m.id === mediaId ? { ...m, path: item.path } : m)) });
      setMissing((current) => current.filter((p) => p !== composition.media.find((m) => m.id === mediaId)?.path));
    } catch (error) {
      show({ tone: 'error', text: errorText(error) });
    }
  }

  return (
    <div className="banner tone-warn missing-media" role="alert">
      {gone.map((media) => (
        <div key={media.id} className="row">
          <span>
            Missing: <strong>{media.name ?? media.path}</strong> is no longer at {media.path}.
          </span>
          <label className="button small">
            Relink…
            <input type="file" hidden aria-label={`Relink ${media.name ?? media.id}`} onChange={(e) => e.target.files?.[0] && void relink(media.id, e.target.files[0])} />
          </label>
        </div>
      ))}
    </div>
  );
}
