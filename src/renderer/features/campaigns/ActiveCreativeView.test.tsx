import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ActiveCreativeView, type CampaignExperiment } from './ActiveCreativeView';

const activeCreative = { recordType: 'persona', recordId: 'persona-7', experimentId: 'exp-1', variantId: 'warm', promotedAt: '2026-11-24T12:00:00.000Z' } as const;
const variants = [
  { id: 'control', name: 'Control', ref: { recordType: 'persona', recordId: 'persona-1' } },
  { id: 'warm', name: 'Warm voice', ref: { recordType: 'persona', recordId: 'persona-7' } },
];
const decided: CampaignExperiment = { id: 'exp-1', name: 'Summer voices', status: 'decided', metric: 'conversion-rate', variants, winnerVariantId: 'warm', live: null };
const running: CampaignExperiment = {
  id: 'exp-2',
  name: 'Autumn hooks',
  status: 'running',
  metric: 'conversion-rate',
  variants,
  winnerVariantId: null,
  live: { computedAt: '2026-11-25T09:00:00.000Z', customers: 80, leader: { variantId: 'warm', name: 'Warm voice', ref: variants[1]!.ref, mean: 0.5, lift: 1.5, pValue: 0.0042, chanceToWin: null }, decision: { state: 'collecting', reason: 'not yet' }, sampleRatioMismatch: false },
};
const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&quot;/g, '"');

describe('the campaign page’s winning creative', () => {
  it('names the promoted creative, its kind, and the experiment and day that promoted it', () => {
    const shown = text(renderToStaticMarkup(<ActiveCreativeView activeCreative={activeCreative} creativeName="Ava (warm)" experiments={[decided]} />));
    expect(shown).toContain('Showing Ava (warm) (persona)');
    expect(shown).toContain('promoted by experiment “Summer voices” on');
    expect(shown).toContain(new Date(activeCreative.promotedAt).toLocaleDateString(undefined, { dateStyle: 'medium' }));
  });

  it('falls back to the record and experiment ids when this device knows neither name (signed out, or rendered elsewhere)', () => {
    const shown = text(renderToStaticMarkup(<ActiveCreativeView activeCreative={activeCreative} creativeName={null} experiments={null} />));
    expect(shown).toContain('Showing persona persona-7');
    expect(shown).toContain('promoted by experiment “exp-1”');
  });

  it('shows the live leader of a running experiment with its lift and p-value, and nothing at all for a campaign without either', () => {
    const shown = text(renderToStaticMarkup(<ActiveCreativeView activeCreative={undefined} creativeName={null} experiments={[running]} />));
    expect(shown).toContain('Experiment “Autumn hooks”, live: Warm voice leads (50 % converted, +150 % against the control, p = 0.0042)');
    expect(shown).toContain('80 customers · not decided yet');
    expect(shown).not.toContain('Showing');
    expect(renderToStaticMarkup(<ActiveCreativeView activeCreative={undefined} creativeName={null} experiments={[decided]} />)).toBe('');
  });

  it('warns not to trust a leader while the traffic split is off', () => {
    const skewed = { ...running, live: { ...running.live!, sampleRatioMismatch: true } };
    expect(text(renderToStaticMarkup(<ActiveCreativeView activeCreative={undefined} creativeName={null} experiments={[skewed]} />))).toContain('the traffic split is off: do not trust this yet');
  });
});
