import { EmptyState } from '../../app/EmptyState';
import { useNavigation } from '../../app/navigation';
import { PageHeader } from '../../app/PageHeader';

export function RendersPage() {
  const go = useNavigation((s) => s.go);
  return (
    <>
      <PageHeader title="Renders" />
      <EmptyState title="No renders yet" action={{ label: 'Open the Compositor', run: () => go('compositor') }}>
        Every export shows up here with its progress, and you can cancel it or open the finished file. Renders run on
        this computer with FFmpeg, even offline.
      </EmptyState>
    </>
  );
}
