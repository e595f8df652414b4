/** The pages of the sidebar, in order, with their Ctrl/Cmd+digit shortcut. */
export const pages = [
  { id: 'campaigns', label: 'Campaigns', key: '1' },
  { id: 'compositor', label: 'Compositor', key: '2' },
  { id: 'influencers', label: 'Influencers', key: '3' },
  { id: 'audience', label: 'Audience', key: '4' },
  { id: 'renders', label: 'Renders', key: '5' },
  { id: 'settings', label: 'Settings', key: '6' },
] as const;

export type PageId = (typeof pages)[number]['id'];

export interface Route {
  page: PageId;
  /** The record the page shows, e.g. a campaign id. */
  itemId: string | null;
}

/** `#/campaigns/<id>` -> route; anything unknown lands on Campaigns. */
export function parseRoute(hash: string): Route {
  const [page, itemId] = hash.replace(/^#\/?/, '').split('/');
  const known = pages.find((p) => p.id === page);
  return { page: known?.id ?? 'campaigns', itemId: known && itemId ? decodeURIComponent(itemId) : null };
}

export function routeHash(route: Route): string {
  return `#/${route.page}${route.itemId ? `/${encodeURIComponent(route.itemId)}` : ''}`;
}
