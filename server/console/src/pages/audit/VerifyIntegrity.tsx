import { useMutation } from '@tanstack/react-query';
import { api } from '../../api';
import { Notice } from '../../ui/states';
import type { AuditVerification } from './audit-api';

/** Checks the whole hash chain, its signed checkpoints and tombstones on the Hub, and names the first break. */
export function VerifyIntegrity({ onShowEvent }: { onShowEvent: (sequence: number) => void }) {
  const verify = useMutation({ mutationFn: () => api<AuditVerification>('/v1/audit/verify') });
  const result = verify.data;
  return (
    <div className="section" aria-label="Integrity">
      <div className="page-actions">
        <h2>Integrity</h2>
        <button type="button" className="button" onClick={() => verify.mutate()} disabled={verify.isPending}>
          {verify.isPending ? 'Verifying…' : 'Verify integrity'}
        </button>
      </div>
      {verify.error && <Notice tone="bad">Verification could not run: {verify.error.message}</Notice>}
      {result?.ok === true && (
        <Notice tone="ok">
          <span data-testid="audit-verification">
            The audit log is intact: {result.checked.toLocaleString()} events checked
            {result.signedThrough ? `, signed through event #${result.signedThrough}` : ', none signed yet'}.
          </span>
        </Notice>
      )}
      {result?.ok === false && (
        <Notice tone="bad">
          <span data-testid="audit-verification">
            The audit log is broken at event #{result.sequence} ({result.problem}): {result.message}.
          </span>{' '}
          <button type="button" className="link-button" onClick={() => onShowEvent(result.sequence)}>
            Show event #{result.sequence}
          </button>
        </Notice>
      )}
    </div>
  );
}
