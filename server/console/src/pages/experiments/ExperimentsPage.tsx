import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../../api';
import { useCan } from '../../session';
import { Empty, formatTime, QueryView } from '../../ui/states';
import { ExperimentDetail } from './ExperimentDetail';
import { ExperimentForm } from './ExperimentForm';
import { experimentKey, experimentsKey, liveRefreshMs, type Experiment } from './experiments-api';

/**
 * Experiments on campaigns: the list with each one's status and decision,
 * the set-up form (experiments.manage), and the chosen experiment's live results.
 * Everyone with experiments.read reads them.
 */
export function ExperimentsPage() {
  const can = useCan();
  const manage = can('experiments.manage');
  const queries = useQueryClient();
  const [params, setParams] = useSearchParams();
  const selected = params.get('experiment');
  const [creating, setCreating] = useState(false);
  const experiments = useQuery({
    queryKey: experimentsKey,
    queryFn: ({ signal }) => api<{ experiments: Experiment[] }>('/v1/experiments', { signal }),
    refetchInterval: (query) => (query.state.data?.experiments.some((e) => e.status === 'running') ? liveRefreshMs : false),
  });
  const select = (id: string | null) => {
    const next = new URLSearchParams(params);
    if (id) next.set('experiment', id);
    else next.delete('experiment');
    setParams(next);
  };
  return (
    <>
      <div className="page-header">
        <h1>Experiments</h1>
        {manage && !creating && (
          <div className="page-actions">
            <button type="button" className="button primary" onClick={() => setCreating(true)}>
              New experiment
            </button>
          </div>
        )}
      </div>
      {!manage && <p className="muted">You can read every experiment’s results; admins, owners and marketers set them up, start, stop and promote them.</p>}
      {manage && creating && (
        <ExperimentForm
          onCancel={() => setCreating(false)}
          onCreated={(experiment) => {
            queries.setQueryData(experimentKey(experiment.id), experiment);
            setCreating(false);
            select(experiment.id);
          }}
        />
      )}
      <div className="section">
        <QueryView query={experiments} what="experiments">
          {(data) =>
            data.experiments.length === 0 ? (
              <Empty>{manage ? 'No experiments yet: set one up with “New experiment”.' : 'No experiments yet.'}</Empty>
            ) : (
              <ExperimentTable experiments={data.experiments} shown={selected} onSelect={select} />
            )
          }
        </QueryView>
      </div>
      {selected && <ExperimentDetail key={selected} id={selected} />}
    </>
  );
}

function ExperimentTable({ experiments, shown, onSelect }: { experiments: Experiment[]; shown: string | null; onSelect: (id: string) => void }) {
  const winnerName = (e: Experiment) => e.definition.variants.find((v) => v.id === e.winnerVariantId)?.name ?? e.winnerVariantId;
  return (
    <table aria-label="Experiments">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col">Campaign</th>
          <th scope="col">Decision</th>
          <th scope="col">Changed</th>
        </tr>
      </thead>
      <tbody>
        {experiments.map((experiment) => (
          <tr key={experiment.id} className={experiment.id === shown ? 'selected' : undefined}>
            <td>
              <button type="button" className="link-button" onClick={() => onSelect(experiment.id)} aria-current={experiment.id === shown ? 'true' : undefined}>
                {experiment.name}
              </button>
            </td>
            <td>{experiment.status}</td>
            <td>{experiment.campaignId}</td>
            <td>{experiment.winnerVariantId ? `winner: ${winnerName(experiment)}` : experiment.status === 'draft' ? 'not started' : 'open'}</td>
            <td>{formatTime(experiment.updatedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
