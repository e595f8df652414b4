import { useQuery } from '@tanstack/react-query';
import { describeError } from '../../api';
import { renderThumbnail, thumbnailWidth, type PreviewRef } from './render-thumbnails';

/** A render's thumbnail, made in the browser from its preview clip: a placeholder while it is made, a sentence if it cannot be. */
export function RenderThumbnail({ render, name }: { render: PreviewRef; name: string }) {
  const thumbnail = useQuery({
    queryKey: ['render-thumbnail', render.id, render.version, render.previewEtag],
    queryFn: () => renderThumbnail(render),
    staleTime: Infinity,
    gcTime: Infinity,
    retry: false,
  });
  if (thumbnail.isPending) {
    return (
      <div className="thumbnail placeholder" role="status" aria-live="polite">
        Making thumbnail…
      </div>
    );
  }
  if (thumbnail.error) {
    return (
      <div className="thumbnail failed" role="alert">
        <span>No thumbnail: {describeError(thumbnail.error)}</span>
        <button type="button" className="button small" onClick={() => void thumbnail.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  return <img className="thumbnail" src={thumbnail.data} width={thumbnailWidth} alt={`Frame of ${name} at 1 second`} data-render-thumbnail={render.id} />;
}
