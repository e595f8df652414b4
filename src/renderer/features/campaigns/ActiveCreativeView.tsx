import type { ActiveCreative } from '../../../shared/campaign/campaign';
import type { RouterOutputs } from '../../trpc';

export type CampaignExperiment = RouterOutputs['hub']['experiments']['forCampaign']['experiments'][number];

const kindLabel: Record<string, string> = { render: 'render', composition: 'composition', persona: 'persona', script: 'script' };
const percent = (value: number, digits = 1) => `${(value * 100).toLocaleString(undefined, { maximumFractionDigits: digits })} %`;

/**
 * Which creative the campaign shows: the one an experiment's winner promoted
 * (synced from the Hub), and, while an experiment runs, who leads it now.
 */
export function ActiveCreativeView({ activeCreative, creativeName, experiments }: { activeCreative: ActiveCreative | undefined; creativeName: string | null; experiments: CampaignExperiment[] | null }) {
  const promotedBy = activeCreative && experiments?.find((e) => e.id === activeCreative.experimentId);
  const running = (experiments ?? []).filter((e) => e.live !== null);
  if (!activeCreative && running.length === 0) return null;
  return (
    <section className="panel winning-creative" aria-label="Winning creative">
      <h3>Winning creative</h3>
      {activeCreative && (
        <p data-testid="active-creative">
          Showing <strong>{creativeName ?? `${kindLabel[activeCreative.recordType] ?? activeCreative.recordType} ${activeCreative.recordId}`}</strong>
          {creativeName && <span className="hint"> ({kindLabel[activeCreative.recordType] ?? activeCreative.recordType})</span>}
          <span className="list-meta">
            {' '}
            · promoted by experiment “{promotedBy?.name ?? activeCreative.experimentId}” on {new Date(activeCreative.promotedAt).toLocaleDateString(undefined, { dateStyle: 'medium' })}
          </span>
        </p>
      )}
      {running.map((experiment) => (
        <LiveLeader key={experiment.id} experiment={experiment} />
      ))}
    </section>
  );
}

function LiveLeader({ experiment }: { experiment: CampaignExperiment }) {
  const live = experiment.live!;
  const leader = live.leader;
  const rate = experiment.metric === 'conversion-rate';
  return (
    <p data-testid="live-leader">
      Experiment “{experiment.name}”, live:{' '}
      {leader ? (
        <>
          <strong>{leader.name}</strong> leads ({rate ? `${percent(leader.mean)} converted` : `mean ${leader.mean.toLocaleString(undefined, { maximumFractionDigits: 2 })}`}
          {leader.lift !== null && `, ${leader.lift > 0 ? '+' : ''}${percent(leader.lift)} against the control`}
          {leader.chanceToWin !== null && `, ${percent(leader.chanceToWin)} chance to win`}
          {leader.pValue !== null && `, p = ${leader.pValue < 0.0001 ? '< 0.0001' : leader.pValue.toFixed(4)}`})
        </>
      ) : (
        'nobody counted yet'
      )}
      <span className="list-meta">
        {' '}
        · {live.customers.toLocaleString()} customers · {live.sampleRatioMismatch ? 'the traffic split is off: do not trust this yet' : live.decision.state === 'decided' ? 'decided' : 'not decided yet'}
      </span>
    </p>
  );
}
