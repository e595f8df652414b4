import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../../api';
import { Empty, formatTime, QueryView } from '../../ui/states';
import type { CustomerSummary } from './CustomersPage';

interface CustomerDetail extends CustomerSummary {
  email: string | null;
  phone: string | null;
  name: string | null;
  identities: { kind: string; value: string; firstSeenAt: string }[];
  consent: { purpose: string; status: 'granted' | 'denied' | 'unknown'; source: string | null; legalBasis: string | null; updatedAt: string | null }[];
  merges: { mergedId: string; mergedAt: string; because: string }[];
  conflicts: { otherCustomerId: string; seenAt: string; because: string }[];
}
interface CustomerEvent {
  messageId: string;
  type: string;
  name: string | null;
  occurredAt: string;
  properties: Record<string, unknown>;
}

/** One customer: who they are, their traits and identities, consent now and its history, their events. */
export function CustomerPage() {
  const { id = '' } = useParams();
  const path = `/v1/customers/${encodeURIComponent(id)}`;
  const customer = useQuery({ queryKey: ['customer', id], queryFn: () => api<CustomerDetail>(path) });
  const history = useQuery({ queryKey: ['customer', id, 'consent-history'], queryFn: () => api<{ history: { purpose: string; status: string; source: string; legalBasis: string; recordedAt: string }[] }>(`${path}/consent-history`) });
  const events = useInfiniteQuery({
    queryKey: ['customer', id, 'events'],
    queryFn: ({ pageParam }) => api<{ events: CustomerEvent[] }>(`${path}/events`, { query: { before: pageParam, limit: 50 } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => (page.events.length === 50 ? page.events.at(-1)!.occurredAt : undefined),
  });
  return (
    <>
      <div className="page-header">
        <h1>Customer</h1>
        <Link to="/audience/customers">All customers</Link>
      </div>
      <QueryView query={customer} what="the customer">
        {(data) => (
          <>
            <div className="section">
              <h2>{data.name ?? data.email ?? data.id}</h2>
              <p className="muted">
                <code>{data.id}</code> · first seen {formatTime(data.firstSeenAt)} · last seen {formatTime(data.lastSeenAt)} · {data.eventCount.toLocaleString()} events
              </p>
              <h3>Traits</h3>
              {Object.keys(data.traits).length === 0 ? <p className="muted">No traits.</p> : <pre>{JSON.stringify(data.traits, null, 2)}</pre>}
              <h3>Identities</h3>
              <table aria-label="Identities">
                <tbody>
                  {data.identities.map((identity) => (
                    <tr key={`${identity.kind}:${identity.value}`}>
                      <td>{identity.kind}</td>
                      <td>{identity.value}</td>
                      <td>{formatTime(identity.firstSeenAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {data.merges.length > 0 && (
                <>
                  <h3>Merged</h3>
                  <ul>
                    {data.merges.map((merge) => (
                      <li key={merge.mergedId}>
                        {merge.mergedId}: {merge.because} ({formatTime(merge.mergedAt)})
                      </li>
                    ))}
                  </ul>
                </>
              )}
              {data.conflicts.length > 0 && (
                <>
                  <h3>Not merged</h3>
                  <ul>
                    {data.conflicts.map((conflict) => (
                      <li key={conflict.otherCustomerId}>
                        <Link to={`/audience/customers/${encodeURIComponent(conflict.otherCustomerId)}`}>{conflict.otherCustomerId}</Link>: {conflict.because}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </div>
            <div className="section">
              <h2>Consent</h2>
              <table aria-label="Consent">
                <thead>
                  <tr>
                    <th>Purpose</th>
                    <th>Status</th>
                    <th>Source</th>
                    <th>Legal basis</th>
                    <th>Since</th>
                  </tr>
                </thead>
                <tbody>
                  {data.consent.map((consent) => (
                    <tr key={consent.purpose}>
                      <td>{consent.purpose}</td>
                      <td className={consent.status === 'granted' ? 'tone-ok' : consent.status === 'denied' ? 'tone-bad' : undefined}>{consent.status}</td>
                      <td>{consent.source ?? '—'}</td>
                      <td>{consent.legalBasis ?? '—'}</td>
                      <td>{formatTime(consent.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <h3>History</h3>
              <QueryView query={history} what="the consent history">
                {({ history: changes }) =>
                  changes.length === 0 ? (
                    <p className="muted">No consent recorded.</p>
                  ) : (
                    <ul>
                      {changes.map((change, index) => (
                        <li key={index}>
                          {formatTime(change.recordedAt)}: {change.purpose} {change.status} ({change.source}, {change.legalBasis})
                        </li>
                      ))}
                    </ul>
                  )
                }
              </QueryView>
            </div>
          </>
        )}
      </QueryView>
      <div className="section">
        <h2>Events</h2>
        <QueryView query={events} what="events">
          {(pages) => {
            const all = pages.pages.flatMap((page) => page.events);
            return all.length === 0 ? (
              <Empty>No events kept for this customer.</Empty>
            ) : (
              <>
                <table aria-label="Events">
                  <thead>
                    <tr>
                      <th>When</th>
                      <th>Type</th>
                      <th>Name</th>
                      <th>Properties</th>
                    </tr>
                  </thead>
                  <tbody>
                    {all.map((event) => (
                      <tr key={event.messageId}>
                        <td>{formatTime(event.occurredAt)}</td>
                        <td>{event.type}</td>
                        <td>{event.name ?? '—'}</td>
                        <td>
                          <code>{JSON.stringify(event.properties).slice(0, 200)}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {events.hasNextPage && (
                  <div className="pager">
                    <button type="button" className="button small" disabled={events.isFetchingNextPage} onClick={() => void events.fetchNextPage()}>
                      Older events
                    </button>
                  </div>
                )}
              </>
            );
          }}
        </QueryView>
      </div>
    </>
  );
}
