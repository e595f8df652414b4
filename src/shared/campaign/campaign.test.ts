import { describe, expect, it } from 'vitest';
import { ValidationError } from '../validation';
import {
  applyCampaignPatch,
  CAMPAIGN_VERSION,
  createCampaign,
  matchesCampaignQuery,
  parseStoredCampaign,
  type Campaign,
} from './campaign';

const id = '0b7f9f0e-8a38-4c5e-9d7e-2d0f2b1a6c11';
const t0 = new Date('2026-11-24T09:00:00.000Z');
const t1 = new Date('2026-11-24T10:30:00.000Z');

function make(overrides: Partial<Parameters<typeof createCampaign>[0]['draft']> = {}): Campaign {
  return createCampaign({ draft: { name: 'Spring launch', ...overrides }, id, now: t0 });
}

describe('createCampaign', () => {
  it('fills defaults and stamps version, revision and times', () => {
    expect(make()).toEqual({
      version: CAMPAIGN_VERSION,
      id,
      name: 'Spring launch',
      objective: 'awareness',
      channels: [],
      startDate: null,
      endDate: null,
      segmentIds: [],
      status: 'active',
      rev: 1,
      createdAt: t0.toISOString(),
      updatedAt: t0.toISOString(),
    });
  });

  it('trims the name', () => {
    expect(make({ name: '  Summer  ' }).name).toBe('Summer');
  });

  it.each([
    [{ name: '   ' }, 'name: a campaign needs a name'],
    [{ name: 'x'.repeat(121) }, 'name: keep the name under 120 characters'],
    [{ startDate: '2026-05-01', endDate: '2026-04-30' }, 'endDate: must be on or after the start date'],
    [{ startDate: '31/12/2026' }, 'startDate: use a date like 2026-03-31'],
    [{ channels: ['tiktok', 'tiktok'] }, 'channels: each channel may appear once'],
    [{ channels: ['myspace'] }, 'channels.0:'],
    [{ objective: 'fame' }, 'objective:'],
  ])('refuses %j and names the field', (draft, message) => {
    expect(() => make(draft as never)).toThrow(message);
  });

  it('refuses unknown fields rather than storing them silently', () => {
    expect(() => make({ budget: 5 } as never)).toThrow(ValidationError);
  });
});

describe('applyCampaignPatch', () => {
  it('keeps only the fields that changed and bumps the revision', () => {
    const campaign = make({ channels: ['tiktok'] });
    const { campaign: next, changes } = applyCampaignPatch({
      campaign,
      patch: { name: 'Spring launch', channels: ['tiktok', 'youtube'], objective: 'awareness' },
      now: t1,
    });
    expect(changes).toEqual({ channels: ['tiktok', 'youtube'] });
    expect(next.rev).toBe(2);
    expect(next.updatedAt).toBe(t1.toISOString());
    expect(next.createdAt).toBe(t0.toISOString());
  });

  it('returns the same campaign and no changes when nothing differs', () => {
    const campaign = make();
    const result = applyCampaignPatch({ campaign, patch: { name: 'Spring launch' }, now: t1 });
    expect(result.changes).toEqual({});
    expect(result.campaign).toBe(campaign);
  });

  it('checks the date order against the stored dates too', () => {
    const campaign = make({ startDate: '2026-06-01' });
    expect(() => applyCampaignPatch({ campaign, patch: { endDate: '2026-05-01' }, now: t1 })).toThrow(
      'endDate: must be on or after the start date',
    );
  });

  it('archives and refuses fields it does not know', () => {
    const campaign = make();
    expect(applyCampaignPatch({ campaign, patch: { status: 'archived' }, now: t1 }).changes).toEqual({ status: 'archived' });
    expect(() => applyCampaignPatch({ campaign, patch: { rev: 9 } as never, now: t1 })).toThrow(/Unrecognized key.*rev/);
  });
});

describe('parseStoredCampaign', () => {
  it('reads a stored version-1 campaign and refuses a corrupted one with the field named', () => {
    const stored = JSON.parse(JSON.stringify(make()));
    expect(parseStoredCampaign(stored)).toEqual(make());
    expect(() => parseStoredCampaign({ ...stored, rev: 0 })).toThrow(/Invalid stored campaign:\nrev:/);
    expect(() => parseStoredCampaign({ ...stored, version: 99 })).toThrow(/newer Kata Studio/);
  });
});

describe('the active creative the Hub sets', () => {
  const activeCreative = { recordType: 'persona', recordId: 'persona-7', experimentId: 'exp-1', variantId: 'bold', promotedAt: '2026-11-24T12:00:00.000Z' } as const;

  it('is kept when a stored campaign is read, and through a patch of another field', () => {
    const stored = { ...make(), activeCreative };
    expect(parseStoredCampaign(stored).activeCreative).toEqual(activeCreative);
    expect(applyCampaignPatch({ campaign: parseStoredCampaign(stored), patch: { name: 'Renamed' }, now: t1 }).campaign.activeCreative).toEqual(activeCreative);
  });

  it('is refused when malformed, naming the field, and cannot be set by a patch', () => {
    expect(() => parseStoredCampaign({ ...make(), activeCreative: { ...activeCreative, recordType: 'banner' } })).toThrow(/activeCreative\.recordType/);
    expect(() => applyCampaignPatch({ campaign: make(), patch: { activeCreative } as never, now: t1 })).toThrow(ValidationError);
  });
});

describe('matchesCampaignQuery', () => {
  const campaign = make({ name: 'Holiday Gifts', channels: ['instagram'], objective: 'conversion' });
  it('matches name, objective and channels case-insensitively', () => {
    expect(matchesCampaignQuery(campaign, { text: 'gifts' })).toBe(true);
    expect(matchesCampaignQuery(campaign, { text: 'INSTA' })).toBe(true);
    expect(matchesCampaignQuery(campaign, { text: 'conv' })).toBe(true);
    expect(matchesCampaignQuery(campaign, { text: 'spring' })).toBe(false);
  });
  it('shows active campaigns unless asked for archived or all', () => {
    const archived = { ...campaign, status: 'archived' as const };
    expect(matchesCampaignQuery(archived, {})).toBe(false);
    expect(matchesCampaignQuery(archived, { status: 'archived' })).toBe(true);
    expect(matchesCampaignQuery(archived, { status: 'all' })).toBe(true);
    expect(matchesCampaignQuery(campaign, { status: 'archived' })).toBe(false);
  });
});
