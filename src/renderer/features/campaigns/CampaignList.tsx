import type { Campaign } from '../../../shared/campaign/campaign';
import { channelLabel, objectiveLabel } from './CampaignForm';

function dateRange(campaign: Campaign): string {
  if (!campaign.startDate && !campaign.endDate) return 'No dates yet';
  return `${campaign.startDate ?? '…'} → ${campaign.endDate ?? '…'}`;
}

export function CampaignList(props: {
  campaigns: Campaign[] | undefined;
  selectedId: string | null;
  text: string;
  onOpen: (id: string) => void;
}) {
  const { campaigns } = props;
  if (!campaigns) return <div className="list" aria-busy="true" />;
  if (campaigns.length === 0) {
    return (
      <div className="list">
        <p className="hint">{props.text ? `No campaigns match “${props.text}”.` : 'Nothing here.'}</p>
      </div>
    );
  }
  return (
    <ul className="list" aria-label="Campaign list">
      {campaigns.map((campaign) => (
        <li key={campaign.id}>
          <button
            className={campaign.id === props.selectedId ? 'list-item selected' : 'list-item'}
            aria-current={campaign.id === props.selectedId ? 'true' : undefined}
            onClick={() => props.onOpen(campaign.id)}
          >
            <span className="list-title">
              {campaign.name}
              {campaign.status === 'archived' && <span className="badge">Archived</span>}
            </span>
            <span className="list-meta">
              {objectiveLabel(campaign.objective)} · {dateRange(campaign)}
            </span>
            {campaign.channels.length > 0 && (
              <span className="list-meta">{campaign.channels.map(channelLabel).join(', ')}</span>
            )}
          </button>
        </li>
      ))}
    </ul>
  );
}
