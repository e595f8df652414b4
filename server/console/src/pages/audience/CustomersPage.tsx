import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api';
import { Empty, formatTime, QueryView } from '../../ui/states';
import { identifierKinds } from './rule-draft';

export interface CustomerSummary {
  id: string;
  firstSeenAt: string;
  lastSeenAt: string;
  eventCount: number;
  traits: Record<string, unknown>;
}

/** The pages seen before this one, by their cursors ("-" for the first page), so "Previous" can go back. */
const firstPage = '-';
function pageBefore(trail: string[]): Record<string, string> {
  const previous = trail.at(-1);
  const rest = trail.slice(0, -1);
  return { ...(previous && previous !== firstPage && { after: previous }), ...(rest.length > 0 && { trail: rest.join(',') }) };
}

/** Customers: found by any identifier (looked up by its hash on the Hub), or paged through with a cursor, a page at a time. */
export function CustomersPage() {
  const [params, setParams] = useSearchParams();
  const identifier = params.get('identifier') ?? '';
  const after = params.get('after') ?? undefined;
  const trail = (params.get('trail') ?? '').split(',').filter(Boolean);
  const [kind, setKind] = useState(identifier.split(':')[0] || 'email');
  const [value, setValue] = useState(identifier.slice(identifier.indexOf(':') + 1));
  const customers = useQuery({
    queryKey: ['customers', identifier, after],
    queryFn: ({ signal }) => api<{ customers: CustomerSummary[]; next: string | null }>('/v1/customers', { query: { identifier: identifier || undefined, after, limit: 50 }, signal }),
    placeholderData: keepPreviousData,
  });
  const search = (event: FormEvent) => {
    event.preventDefault();
    setParams(value.trim() ? { identifier: `${kind}:${value.trim()}` } : {});
  };
  return (
    <>
      <div className="page-header">
        <h1>Customers</h1>
      </div>
      <form className="section fields" onSubmit={search} aria-label="Find a customer">
        <label className="field">
          <span>Identifier</span>
          <select value={kind} onChange={(event) => setKind(event.target.value)}>
            {identifierKinds.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Value</span>
          <input value={value} onChange={(event) => setValue(event.target.value)} placeholder="e.g. maya@acme.example" />
        </label>
        <button type="submit" className="button primary">
          Find
        </button>
        {identifier && (
          <button
            type="button"
            className="button"
            onClick={() => {
              setValue('');
              setParams({});
            }}
          >
            Show all
          </button>
        )}
      </form>
      <div className="section">
        <QueryView query={customers} what="customers">
          {(data) =>
            data.customers.length === 0 ? (
              <Empty>{identifier ? `No customer has ${identifier}.` : 'No customers yet: they arrive with events from your write keys.'}</Empty>
            ) : (
              <>
                <table aria-label="Customers">
                  <thead>
                    <tr>
                      <th>Customer</th>
                      <th>Traits</th>
                      <th className="num">Events</th>
                      <th>Last seen</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.customers.map((customer) => (
                      <tr key={customer.id}>
                        <td>
                          <Link to={`/audience/customers/${encodeURIComponent(customer.id)}`}>
                            <code>{customer.id}</code>
                          </Link>
                        </td>
                        <td>
                          {Object.entries(customer.traits)
                            .slice(0, 4)
                            .map(([name, trait]) => `${name}: ${JSON.stringify(trait)}`)
                            .join(', ')}
                        </td>
                        <td className="num">{customer.eventCount.toLocaleString()}</td>
                        <td>{formatTime(customer.lastSeenAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {!identifier && (
                  <div className="pager">
                    <button type="button" className="button small" disabled={!after} onClick={() => setParams(pageBefore(trail))}>
                      Previous
                    </button>
                    <button type="button" className="button small" disabled={!data.next} onClick={() => setParams({ after: data.next!, trail: [...trail, after ?? firstPage].join(',') })}>
                      Next
                    </button>
                  </div>
                )}
              </>
            )
          }
        </QueryView>
      </div>
    </>
  );
}
