import { describe, expect, it } from 'vitest';
import { pages, parseRoute, routeHash } from './route';

describe('routes in the URL hash', () => {
  it('round-trip every page, with and without a record', () => {
    for (const page of pages) {
      expect(parseRoute(routeHash({ page: page.id, itemId: null }))).toEqual({ page: page.id, itemId: null });
      expect(parseRoute(routeHash({ page: page.id, itemId: 'a/b c' }))).toEqual({ page: page.id, itemId: 'a/b c' });
    }
  });
  it('land on Campaigns for an empty or unknown hash', () => {
    expect(parseRoute('')).toEqual({ page: 'campaigns', itemId: null });
    expect(parseRoute('#/nowhere/42')).toEqual({ page: 'campaigns', itemId: null });
  });
  it('give each page its own shortcut digit', () => {
    expect(pages.map((p) => p.key)).toEqual(['1', '2', '3', '4', '5', '6']);
  });
});
