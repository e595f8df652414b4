import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api, apiUrl } from '../../api';
import { useCan } from '../../session';
import { Empty, formatTime, QueryView } from '../../ui/states';
import { filterFrom, filterNames, type AuditFilter, type AuditPage, type ListedAuditEvent } from './audit-api';
import { AuditFilters } from './AuditFilters';
import { VerifyIntegrity } from './VerifyIntegrity';

const pageSize = 50;

/**
 * The workspace's audit log, newest first: filtered and paged by the Hub (a
 * cursor, so 100,000 events cost one page), an event's detail, a JSON Lines
 * export, and the integrity check.
 */
export function AuditLogPage() {
  const [params, setParams] = useSearchParams();
  const can = useCan();
  const filter = filterFrom(params);
  const before = Number(params.get('before')) || undefined;
  const selected = Number(params.get('event')) || undefined;
  // The cursors of the pages seen before this one, so "Newer" can go back.
  const trail = (params.get('trail') ?? '').split(',').filter(Boolean).map(Number);

  const page = useQuery({
    queryKey: ['audit-events', filter, before],
    queryFn: ({ signal }) => api<AuditPage>('/v1/audit/events', { query: { ...filter, before, limit: pageSize }, signal }),
    placeholderData: keepPreviousData,
  });

  const go = (next: { filter?: AuditFilter; before?: number; trail?: number[]; event?: number }) => {
    const search = new URLSearchParams();
    for (const name of filterNames) {
      const value = (next.filter ?? filter)[name];
      if (value) search.set(name, value);
    }
    if (next.before) search.set('before', String(next.before));
    if (next.trail?.length) search.set('trail', next.trail.join(','));
    if (next.event) search.set('event', String(next.event));
    setParams(search);
  };
  const showEvent = (sequence: number) => go({ filter: {}, before: sequence + 1, event: sequence });
  const event = page.data?.events.find((candidate) => candidate.sequence === selected);

  return (
    <>
      <div className="page-header">
        <h1>Audit log</h1>
        <div className="page-actions">
          {can('audit.export') && (
            <a className="button" href={apiUrl('/v1/audit/export', { ...filter })} download>
              Export JSON Lines
            </a>
          )}
        </div>
      </div>
      <VerifyIntegrity onShowEvent={showEvent} />
      <AuditFilters key={JSON.stringify(filter)} filter={filter} onApply={(applied) => go({ filter: applied })} />
      <div className="split">
        <div className="section">
          <QueryView query={page} what="the audit log">
            {(data) =>
              data.events.length === 0 ? (
                <Empty>{Object.keys(filter).length > 0 ? 'No events match these filters.' : 'The audit log has no events yet.'}</Empty>
              ) : (
                <>
                  <AuditTable events={data.events} selected={selected} onSelect={(sequence) => go({ before, trail, event: sequence })} />
                  <div className="pager">
                    <button type="button" className="button small" disabled={!before} onClick={() => go({ before: trail.at(-1), trail: trail.slice(0, -1) })}>
                      Newer
                    </button>
                    <button type="button" className="button small" disabled={data.nextCursor === null} onClick={() => go({ before: data.nextCursor!, trail: [...trail, before ?? 0] })}>
                      Older
                    </button>
                    <span className="muted">
                      Events #{data.events[0]!.sequence} to #{data.events.at(-1)!.sequence}
                      {page.isFetching && ' · loading…'}
                    </span>
                  </div>
                </>
              )
            }
          </QueryView>
        </div>
        <EventDetail event={event} selected={selected} />
      </div>
    </>
  );
}

function AuditTable({ events, selected, onSelect }: { events: ListedAuditEvent[]; selected: number | undefined; onSelect: (sequence: number) => void }) {
  return (
    <table aria-label="Audit events">
      <thead>
        <tr>
          <th className="num">#</th>
          <th>When</th>
          <th>Actor</th>
          <th>Action</th>
          <th>Target</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr key={event.sequence} className={event.sequence === selected ? 'selected' : undefined}>
            <td className="num">
              <button type="button" className="link-button" onClick={() => onSelect(event.sequence)} aria-label={`Event ${event.sequence}: ${event.action}`}>
                {event.sequence}
              </button>
            </td>
            <td>{formatTime(event.at)}</td>
            <td>
              {event.actor.kind} <code>{event.actor.id}</code>
            </td>
            <td>{event.action}</td>
            <td>{event.target ? `${event.target.kind} ${event.target.id}` : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function EventDetail({ event, selected }: { event: ListedAuditEvent | undefined; selected: number | undefined }) {
  return (
    <aside className="section" aria-label="Event detail">
      <h2>{event ? `Event #${event.sequence}` : 'Event detail'}</h2>
      {!event ? (
        <p className="muted">{selected ? `Event #${selected} is not on this page.` : 'Choose an event to see everything recorded about it.'}</p>
      ) : (
        <>
          <dl>
            <dt className="muted">Action</dt>
            <dd>{event.action}</dd>
            <dt className="muted">Recorded</dt>
            <dd>{formatTime(event.recordedAt)}</dd>
            <dt className="muted">Request</dt>
            <dd>
              <code>{event.requestId ?? '—'}</code>
            </dd>
          </dl>
          <pre data-testid="audit-event-json">{JSON.stringify(event, null, 2)}</pre>
        </>
      )}
    </aside>
  );
}
