import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { Empty, formatTime, QueryView } from '../../ui/states';
import { RenderThumbnail } from './RenderThumbnail';

interface RenderRecord {
  id: string;
  version: number;
  fields: Record<string, unknown>;
  deleted: boolean;
  updatedAt: string;
  updatedBy: string;
  changeSeq: number;
  hasPreview: boolean;
  previewEtag: string | null;
}

const text = (value: unknown) => (value === undefined || value === null ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

/**
 * Renders synced from Studio, for review: a page at a time from the Hub.
 * The Hub keeps the records and, when Studio uploaded one, a short preview
 * clip of each; its thumbnail is made here, in the browser.
 */
export function RendersPage() {
  const [cursors, setCursors] = useState<number[]>([]);
  const after = cursors.at(-1);
  const [selected, setSelected] = useState<string | null>(null);
  const renders = useQuery({
    queryKey: ['renders', after],
    queryFn: ({ signal }) => api<{ renders: RenderRecord[]; next: number | null }>('/v1/renders', { query: { after, limit: 50 }, signal }),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <div className="page-header">
        <h1>Renders</h1>
      </div>
      <p className="muted">Render records synced from Kata Studio, in the order they last changed. Video files stay on the computers that made them; Studio uploads a 3-second preview of each, from which the thumbnail is made in this browser.</p>
      <div className="section">
        <QueryView query={renders} what="renders">
          {(data) =>
            data.renders.length === 0 ? (
              <Empty>No renders synced yet: they appear once Studio syncs a finished render.</Empty>
            ) : (
              <>
                <table aria-label="Renders">
                  <thead>
                    <tr>
                      <th>Name</th>
                      <th>Status</th>
                      <th>Updated</th>
                      <th>By</th>
                      <th>Preview</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.renders.map((render) => (
                      <tr key={render.id} className={render.id === selected ? 'selected' : undefined}>
                        <td>
                          <button type="button" className="link-button" onClick={() => setSelected(render.id === selected ? null : render.id)} aria-expanded={render.id === selected}>
                            {text(render.fields.name ?? render.id)}
                          </button>
                          {render.id === selected && <pre>{JSON.stringify(render.fields, null, 2)}</pre>}
                        </td>
                        <td>{render.deleted ? 'deleted' : text(render.fields.status)}</td>
                        <td>{formatTime(render.updatedAt)}</td>
                        <td>
                          <code>{render.updatedBy}</code>
                        </td>
                        <td>
                          {render.hasPreview && render.previewEtag && !render.deleted ? (
                            <RenderThumbnail render={{ id: render.id, version: render.version, previewEtag: render.previewEtag }} name={text(render.fields.name ?? render.id)} />
                          ) : (
                            <span className="muted">no preview on the Hub yet</span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <div className="pager">
                  <button type="button" className="button small" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
                    Previous
                  </button>
                  <button type="button" className="button small" disabled={data.next === null} onClick={() => setCursors([...cursors, data.next!])}>
                    Next
                  </button>
                </div>
              </>
            )
          }
        </QueryView>
      </div>
    </>
  );
}
