import { EmptyState } from '../../app/EmptyState';
import { useNavigation } from '../../app/navigation';
import { PageHeader } from '../../app/PageHeader';

export function InfluencersPage() {
  const go = useNavigation((s) => s.go);
  return (
    <>
      <PageHeader title="Influencers" />
      <EmptyState title="No personas yet" action={{ label: 'Go to Campaigns', run: () => go('campaigns') }}>
        A synthetic influencer is a persona with a voice, a look and a tone that turns scripts into short videos for
        every platform. Personas are tied to a campaign: create the campaign first.
      </EmptyState>
    </>
  );
}
