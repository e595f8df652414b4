import { useLiveQuery } from 'dexie-react-hooks';
import { EmptyState } from '../../app/EmptyState';
import { useNavigation } from '../../app/navigation';
import { PageHeader } from '../../app/PageHeader';
import { useSync } from '../../app/sync';
import { db } from '../../db';
import type { StoredSegment } from '../../db/database';
import { listSegments } from '../../db/segments';

/** "3 h ago", for how fresh a membership is. */
export function ago(iso: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((now - Date.parse(iso)) / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

function membersLine(segment: StoredSegment): string {
  if (segment.memberCount === null) return 'Not computed on the Hub yet';
  const count = `${segment.memberCount.toLocaleString()} consented ${segment.memberCount === 1 ? 'member' : 'members'}`;
  return `${count} · membership v${segment.membershipVersion} computed ${ago(segment.computedAt!)}`;
}

function copyLine(segment: StoredSegment): string {
  if (segment.members) return `${segment.members.length.toLocaleString()} members kept on this computer`;
  if (segment.membersProblem) return segment.membersProblem;
  return 'Members are pulled when a campaign targets this segment';
}

/** Why the segments could not be read (say, a role without campaign access). */
function SegmentsProblem({ problem }: { problem: string | null | undefined }) {
  if (!problem) return null;
  return (
    <p className="banner tone-warn" role="alert">
      {problem}
    </p>
  );
}

export function AudiencePage() {
  const go = useNavigation((s) => s.go);
  const segments = useLiveQuery(() => listSegments(db), []);
  const problem = useLiveQuery(async () => (await db.syncState.get('segmentsProblem'))?.value ?? null, []);
  const sync = useSync();

  if (segments?.length === 0) {
    return (
      <>
        <PageHeader title="Audience" />
        <SegmentsProblem problem={problem} />
        <EmptyState title="No segments yet" action={{ label: 'Check the Hub connection', run: () => go('settings') }}>
          Customer segments come from Kata Hub, already filtered by consent, and stay available offline once pulled.
          Connect Studio to your team&apos;s Hub to see them here.
        </EmptyState>
      </>
    );
  }

  return (
    <>
      <PageHeader title="Audience">
        <button className="button" onClick={() => void sync.syncNow()} disabled={sync.status.state === 'syncing'}>
          Sync now
        </button>
      </PageHeader>
      <SegmentsProblem problem={problem} />
      <ul className="list" aria-label="Segments">
        {segments?.map((segment) => (
          <li key={segment.id} className="list-item" data-testid="segment">
            <span className="list-title">{segment.name}</span>
            <span className="list-meta">
              For {segment.purpose} · {membersLine(segment)} · pulled {ago(segment.syncedAt)}
            </span>
            <span className="list-meta">{copyLine(segment)}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
