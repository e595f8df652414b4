/** Newer / Older buttons over a cursor-paged list. */
export function Pager({ isFirst, nextCursor, onNewer, onOlder, loading }: { isFirst: boolean; nextCursor: string | null; onNewer: () => void; onOlder: (cursor: string) => void; loading?: boolean }) {
  if (isFirst && nextCursor === null) return null;
  return (
    <div className="pager">
      <button type="button" className="button small" disabled={isFirst} onClick={onNewer}>
        Newer
      </button>
      <button type="button" className="button small" disabled={nextCursor === null} onClick={() => onOlder(nextCursor!)}>
        Older
      </button>
      {loading && <span className="muted">loading…</span>}
    </div>
  );
}
