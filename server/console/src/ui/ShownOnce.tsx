import { useState } from 'react';
import { Notice } from './states';

/** A secret the Hub shows once (a key, a token, an invitation link): copy it now, it is not shown again. */
export function ShownOnce({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <Notice tone="warn">
      <div className="form">
        <strong>{label}: copy it now, it will not be shown again.</strong>
        <div className="secret">
          <code data-testid="shown-once">{value}</code>
        </div>
        <div className="page-actions">
          <button
            type="button"
            className="button small"
            onClick={() =>
              void navigator.clipboard?.writeText(value).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
          <button type="button" className="button small" onClick={onDone}>
            Done
          </button>
        </div>
      </div>
    </Notice>
  );
}
