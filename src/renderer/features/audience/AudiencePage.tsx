import { EmptyState } from '../../app/EmptyState';
import { useNavigation } from '../../app/navigation';
import { PageHeader } from '../../app/PageHeader';

export function AudiencePage() {
  const go = useNavigation((s) => s.go);
  return (
    <>
      <PageHeader title="Audience" />
      <EmptyState title="No segments yet" action={{ label: 'Check the Hub connection', run: () => go('settings') }}>
        Customer segments come from Kata Hub, already filtered by consent, and stay available offline once pulled.
        Connect Studio to your team&apos;s Hub to see them here.
      </EmptyState>
    </>
  );
}
