import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useRef, useState } from 'react';
import type { CampaignStatus } from '../../../shared/campaign/campaign';
import { EmptyState } from '../../app/EmptyState';
import { useNavigation } from '../../app/navigation';
import { errorText, useNotices } from '../../app/notices';
import { PageHeader } from '../../app/PageHeader';
import { campaigns } from '../../db';
import { CampaignDetail } from './CampaignDetail';
import { CampaignForm, blankCampaign } from './CampaignForm';
import { CampaignList } from './CampaignList';

type StatusFilter = CampaignStatus | 'all';
const filters: { id: StatusFilter; label: string }[] = [
  { id: 'active', label: 'Active' },
  { id: 'archived', label: 'Archived' },
  { id: 'all', label: 'All' },
];

/** "N" starts a new campaign unless the user is typing somewhere. */
function useNewCampaignKey(start: () => void) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target?.closest('input, textarea, select, [contenteditable="true"]');
      if (typing || event.ctrlKey || event.metaKey || event.altKey || event.key.toLowerCase() !== 'n') return;
      event.preventDefault();
      start();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [start]);
}

export function CampaignsPage() {
  const { itemId, go } = useNavigation();
  const show = useNotices((s) => s.show);
  const [text, setText] = useState('');
  const [status, setStatus] = useState<StatusFilter>('active');
  const searchRef = useRef<HTMLInputElement>(null);
  const list = useLiveQuery(() => campaigns.list({ text, status }), [text, status]);
  const total = useLiveQuery(() => campaigns.list({ status: 'all' }).then((all) => all.length), []);
  const unreadable = useLiveQuery(() => campaigns.unreadable(), []);
  const creating = itemId === 'new';
  const startNew = () => go('campaigns', 'new');
  useNewCampaignKey(startNew);

  if (total === 0 && !creating && unreadable?.length === 0) {
    return (
      <>
        <PageHeader title="Campaigns" />
        <EmptyState title="No campaigns yet" action={{ label: 'Create your first campaign', run: startNew }}>
          A campaign gathers the compositions, influencer videos and audiences of one marketing push, with its dates,
          objective and channels.
        </EmptyState>
      </>
    );
  }

  return (
    <>
      <PageHeader title="Campaigns">
        <input
          ref={searchRef}
          type="search"
          className="search"
          placeholder="Search campaigns"
          aria-label="Search campaigns"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <div className="segmented" role="group" aria-label="Show">
          {filters.map((filter) => (
            <button
              key={filter.id}
              className={status === filter.id ? 'on' : ''}
              aria-pressed={status === filter.id}
              onClick={() => setStatus(filter.id)}
            >
              {filter.label}
            </button>
          ))}
        </div>
        <button className="button primary" onClick={startNew} aria-keyshortcuts="N" title="New campaign (N)">
          New campaign
        </button>
      </PageHeader>
      {unreadable && unreadable.length > 0 && (
        <p className="banner tone-warn" role="alert" title={unreadable.map((u) => `${u.id}: ${u.problem}`).join('\n\n')}>
          {unreadable.length === 1 ? '1 campaign' : `${unreadable.length} campaigns`} could not be read (damaged, or saved by a
          newer Kata Studio) and {unreadable.length === 1 ? 'is' : 'are'} kept untouched.
        </p>
      )}
      <div className="split">
        <CampaignList campaigns={list} selectedId={itemId} text={text} onOpen={(id) => go('campaigns', id)} />
        <div className="detail">
          {creating ? (
            <section className="panel" aria-label="New campaign">
              <h2>New campaign</h2>
              <CampaignForm
                initial={blankCampaign}
                submitLabel="Create campaign"
                onCancel={() => go('campaigns')}
                onSubmit={async (values) => {
                  try {
                    const campaign = await campaigns.create(values);
                    show({ tone: 'info', text: `Created “${campaign.name}”` });
                    go('campaigns', campaign.id);
                  } catch (error) {
                    show({ tone: 'error', text: errorText(error) });
                  }
                }}
              />
            </section>
          ) : itemId ? (
            <CampaignDetail key={itemId} id={itemId} />
          ) : (
            <p className="hint">Select a campaign to edit it, or press N for a new one.</p>
          )}
        </div>
      </div>
    </>
  );
}
