import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useCan } from '../../session';
import { Empty, formatTime, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { linksKey, settingsKey, type AttributionSettingsDetail, type TrackingLink } from './attribution-api';

/**
 * Tracking links for Studio campaigns: each redirects to the campaign's
 * landing page with its UTM tags, so visits it brings are credited to the
 * campaign and channel. attribution.manage makes and revokes them; everyone
 * with attribution.read lists and copies them.
 */
export function TrackingLinksPage() {
  const manage = useCan()('attribution.manage');
  const links = useQuery({ queryKey: linksKey, queryFn: ({ signal }) => api<{ links: TrackingLink[] }>('/v1/attribution/links', { signal }) });
  const revoke = useAction((id: string) => api<void>(`/v1/attribution/links/${encodeURIComponent(id)}`, { method: 'DELETE' }), [[...linksKey]]);
  return (
    <>
      <div className="page-header">
        <h1>Tracking links</h1>
      </div>
      {manage ? <NewLink /> : <p className="muted">You can copy every link here; analysts, admins and owners make and revoke them.</p>}
      <div className="section">
        <h2>Links</h2>
        {revoke.error && <Notice tone="bad">{revoke.error.message}</Notice>}
        <QueryView query={links} what="tracking links">
          {(data) =>
            data.links.length === 0 ? (
              <Empty>{manage ? 'No tracking links yet: make one for a campaign above.' : 'No tracking links yet.'}</Empty>
            ) : (
              <table aria-label="Tracking links">
                <thead>
                  <tr>
                    <th>Campaign</th>
                    <th>Channel</th>
                    <th>Landing page</th>
                    <th>Link</th>
                    <th>Made</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {data.links.map((link) => (
                    <tr key={link.id}>
                      <td>
                        <code>{link.campaignId}</code>
                      </td>
                      <td>{link.channel}</td>
                      <td>{link.destinationUrl}</td>
                      <td>{link.revokedAt ? <span className="muted">revoked {formatTime(link.revokedAt)}</span> : <code>{link.url}</code>}</td>
                      <td>{formatTime(link.createdAt)}</td>
                      <td className="row-actions">
                        {!link.revokedAt && <CopyButton text={link.url} label={`Copy the link for ${link.campaignId} (${link.channel})`} />}
                        {manage && !link.revokedAt && (
                          <button
                            type="button"
                            className="button small danger"
                            disabled={revoke.isPending}
                            aria-label={`Revoke the link for ${link.campaignId} (${link.channel})`}
                            onClick={() => {
                              if (window.confirm(`Revoke this link? It stops redirecting at once:\n${link.url}`)) revoke.mutate(link.id);
                            }}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryView>
      </div>
    </>
  );
}

/** Copies to the clipboard, and says whether it worked (a page without clipboard access cannot). */
function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const copy = () =>
    navigator.clipboard.writeText(text).then(
      () => setCopied('yes'),
      () => setCopied('no'),
    );
  return (
    <>
      <button type="button" className="button small" aria-label={label} onClick={() => void copy()}>
        Copy
      </button>
      {copied && (
        <span role="status" className="muted">
          {copied === 'yes' ? 'Copied' : 'Copying failed: select the link and copy it by hand.'}
        </span>
      )}
    </>
  );
}

function NewLink() {
  const settings = useQuery({ queryKey: settingsKey, queryFn: ({ signal }) => api<AttributionSettingsDetail>('/v1/attribution/settings', { signal }) });
  const [campaignId, setCampaignId] = useState('');
  const [channel, setChannel] = useState('');
  const [destinationUrl, setDestinationUrl] = useState('');
  const create = useAction(() => api<TrackingLink>('/v1/attribution/links', { method: 'POST', body: { campaignId: campaignId.trim(), channel, destinationUrl: destinationUrl.trim() } }), [[...linksKey]]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: () => setDestinationUrl('') });
  };
  return (
    <form className="section" onSubmit={submit} aria-label="New tracking link">
      <h2>Make a tracking link</h2>
      <div className="fields">
        <label className="field">
          <span>Campaign id (from Studio)</span>
          <input required maxLength={128} value={campaignId} onChange={(e) => setCampaignId(e.target.value)} />
        </label>
        <label className="field">
          <span>Channel</span>
          <select required value={channel} onChange={(e) => setChannel(e.target.value)} disabled={!settings.data}>
            <option value="">{settings.isPending ? 'Loading channels…' : settings.error ? 'Channels could not be loaded' : 'Choose a channel'}</option>
            {settings.data?.channels.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Landing page</span>
          <input type="url" required maxLength={2000} placeholder="https://shop.example/spring" value={destinationUrl} onChange={(e) => setDestinationUrl(e.target.value)} />
        </label>
      </div>
      {create.error && <Notice tone="bad">{create.error.message}</Notice>}
      {create.isSuccess && (
        <Notice tone="ok">
          Link made: <code>{create.data.url}</code> <CopyButton text={create.data.url} label="Copy the new link" />
        </Notice>
      )}
      <div>
        <button type="submit" className="button primary" disabled={create.isPending}>
          Make link
        </button>
      </div>
    </form>
  );
}
