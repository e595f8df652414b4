import { useLiveQuery } from 'dexie-react-hooks';
import { useNavigation } from '../../app/navigation';
import { errorText, useNotices } from '../../app/notices';
import { campaigns } from '../../db';
import { CampaignCreative } from './ActiveCreative';
import { CampaignForm, formValuesOf } from './CampaignForm';

export function CampaignDetail({ id }: { id: string }) {
  const go = useNavigation((s) => s.go);
  const show = useNotices((s) => s.show);
  const campaign = useLiveQuery(() => campaigns.get(id).then((c) => c ?? null), [id]);

  if (campaign === undefined) return <div className="panel" aria-busy="true" />;
  if (campaign === null) {
    return (
      <section className="panel">
        <h2>Campaign not found</h2>
        <p>It may have been removed on another device.</p>
        <button className="button" onClick={() => go('campaigns')}>
          Back to all campaigns
        </button>
      </section>
    );
  }

  const archived = campaign.status === 'archived';
  async function setArchived(next: boolean) {
    try {
      if (next) {
        const updated = await campaigns.archive(id);
        show({ tone: 'info', text: `Archived “${updated.name}”`, action: { label: 'Undo', run: () => void campaigns.restore(id) } });
      } else {
        const updated = await campaigns.restore(id);
        show({ tone: 'info', text: `Restored “${updated.name}”` });
      }
    } catch (error) {
      show({ tone: 'error', text: errorText(error) });
    }
  }

  return (
    <section className="panel" aria-label={`Campaign ${campaign.name}`}>
      <div className="panel-title">
        <h2>{campaign.name}</h2>
        {archived && <span className="badge">Archived</span>}
      </div>
      <p className="list-meta">
        Created {new Date(campaign.createdAt).toLocaleString()} · last changed {new Date(campaign.updatedAt).toLocaleString()}
      </p>
      <CampaignCreative key={campaign.id} campaign={campaign} />
      <CampaignForm
        key={`${campaign.rev}`}
        initial={formValuesOf(campaign)}
        submitLabel="Save changes"
        requireChange
        disabled={archived}
        onSubmit={async (values) => {
          try {
            await campaigns.update(id, values);
            show({ tone: 'info', text: 'Changes saved' });
          } catch (error) {
            show({ tone: 'error', text: errorText(error) });
          }
        }}
      />
      <div className="row danger-zone">
        <button className="button" onClick={() => void setArchived(!archived)}>
          {archived ? 'Restore campaign' : 'Archive campaign'}
        </button>
        {archived && <span className="hint">Archived campaigns are read-only. Restore to edit.</span>}
      </div>
    </section>
  );
}
