import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { Empty, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { formatMetric, spendKey, type SpendLine } from './attribution-api';

const example = 'date,channel,campaign,amount,currency\n2026-06-01,paid-search,,120.50,EUR\n2026-06-01,email,spring-sale,40,EUR';

/** Spend from a CSV file (or pasted): a file with a bad line imports nothing, and the Hub names each bad line. */
export function SpendImport({ onClose }: { onClose: () => void }) {
  const [csv, setCsv] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const upload = useAction(() => api<{ imported: number; days: { from: string; to: string } | null }>('/v1/attribution/spend/csv', { method: 'POST', body: { csv } }), [[...spendKey]]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    upload.mutate();
  };
  const problems = upload.error instanceof ApiError ? upload.error.problems : [];
  return (
    <form className="section" onSubmit={submit} aria-label="Import spend">
      <h2>Import spend</h2>
      <p className="muted">
        A CSV file with a header row: <code>date</code> (a UTC day), <code>channel</code> (as the channel grouping names it), <code>amount</code>, and optionally <code>campaign</code> (empty for the whole channel) and <code>currency</code>. A day, channel and campaign imported again replaces the earlier figure.
      </p>
      <div className="fields">
        <label className="field">
          <span>CSV file</span>
          <input
            type="file"
            accept=".csv,text/csv"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (!file) return;
              setFileName(file.name);
              void file.text().then(setCsv);
            }}
          />
        </label>
      </div>
      <label className="field">
        <span>{fileName ? `Contents of ${fileName}` : 'Or paste the CSV'}</span>
        <textarea rows={6} value={csv} placeholder={example} onChange={(event) => setCsv(event.target.value)} spellCheck={false} />
      </label>
      {upload.error && (
        <Notice tone="bad">
          {upload.error.message}
          {problems.length > 1 && (
            <ul>
              {problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
          )}
        </Notice>
      )}
      {upload.data && (
        <Notice tone="ok">
          Imported {upload.data.imported.toLocaleString()} line{upload.data.imported === 1 ? '' : 's'}
          {upload.data.days && `, ${upload.data.days.from} to ${upload.data.days.to}`}.
        </Notice>
      )}
      <div className="page-actions">
        <button type="submit" className="button primary" disabled={upload.isPending || csv.trim() === ''}>
          Import
        </button>
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
    </form>
  );
}

const pageSize = 50;

/** The spend lines of a range, filtered by day on the Hub; a channel filter narrows them. */
export function SpendTable({ from, to }: { from: string; to: string }) {
  const [channel, setChannel] = useState('');
  const [page, setPage] = useState(0);
  const spend = useQuery({
    queryKey: [...spendKey, from, to],
    queryFn: ({ signal }) => api<{ lines: SpendLine[] }>('/v1/attribution/spend', { query: { from, to }, signal }),
    placeholderData: keepPreviousData,
  });
  return (
    <div className="section">
      <h2>
        Spend, {from} to {to}
      </h2>
      <QueryView query={spend} what="spend">
        {({ lines }) => {
          if (lines.length === 0) return <Empty>No spend imported for these days.</Empty>;
          const channels = [...new Set(lines.map((line) => line.channel))].sort();
          const shown = channel ? lines.filter((line) => line.channel === channel) : lines;
          const pages = Math.max(1, Math.ceil(shown.length / pageSize));
          const current = Math.min(page, pages - 1);
          return (
            <>
              <label className="field inline">
                <span>Channel</span>
                <select
                  value={channel}
                  onChange={(event) => {
                    setChannel(event.target.value);
                    setPage(0);
                  }}
                >
                  <option value="">all channels</option>
                  {channels.map((name) => (
                    <option key={name}>{name}</option>
                  ))}
                </select>
              </label>
              <table aria-label="Spend">
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    <th scope="col">Channel</th>
                    <th scope="col">Campaign</th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {shown.slice(current * pageSize, (current + 1) * pageSize).map((line) => (
                    <tr key={`${line.day}|${line.channel}|${line.campaign}`}>
                      <td>{line.day}</td>
                      <td>{line.channel}</td>
                      <td>{line.campaign || <span className="muted">whole channel</span>}</td>
                      <td className="num">{formatMetric('spend', line.amount, line.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {pages > 1 && (
                <div className="pager">
                  <button type="button" className="button small" disabled={current === 0} onClick={() => setPage(current - 1)}>
                    Previous
                  </button>
                  <button type="button" className="button small" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
                    Next
                  </button>
                  <span className="muted">
                    Page {current + 1} of {pages}
                  </span>
                </div>
              )}
            </>
          );
        }}
      </QueryView>
    </div>
  );
}
