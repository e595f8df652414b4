import { create } from 'zustand';
import { parseRoute, routeHash, type PageId, type Route } from './route';

export { pages, type PageId } from './route';

interface NavigationState extends Route {
  go(page: PageId, itemId?: string | null): void;
}

/** The current page lives in the URL hash, so reload and back/forward keep it. */
export const useNavigation = create<NavigationState>((set) => ({
  ...parseRoute(location.hash),
  go(page, itemId = null) {
    const hash = routeHash({ page, itemId });
    if (location.hash !== hash) location.hash = hash;
    set({ page, itemId });
  },
}));

window.addEventListener('hashchange', () => useNavigation.setState(parseRoute(location.hash)));
