import { EmptyState } from '../../app/EmptyState';
import { useNavigation } from '../../app/navigation';
import { PageHeader } from '../../app/PageHeader';

export function CompositorPage() {
  const go = useNavigation((s) => s.go);
  return (
    <>
      <PageHeader title="Compositor" />
      <EmptyState title="No compositions yet" action={{ label: 'Go to Campaigns', run: () => go('campaigns') }}>
        Compositions belong to a campaign: blend, overlay, split-screen and picture-in-picture videos, rendered
        offline with FFmpeg. Start with a campaign, then add its first composition.
      </EmptyState>
    </>
  );
}
