import { pages, useNavigation } from './navigation';

const shortcutPrefix = navigator.platform.startsWith('Mac') ? '⌘' : 'Ctrl+';

export function Sidebar() {
  const current = useNavigation((s) => s.page);
  const go = useNavigation((s) => s.go);
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          K
        </span>
        <span className="brand-name">Kata Studio</span>
      </div>
      <ul>
        {pages.map((page) => (
          <li key={page.id}>
            <a
              href={`#/${page.id}`}
              className={page.id === current ? 'nav-item active' : 'nav-item'}
              aria-current={page.id === current ? 'page' : undefined}
              aria-keyshortcuts={`Control+${page.key}`}
              onClick={(event) => {
                event.preventDefault();
                go(page.id);
              }}
            >
              <span>{page.label}</span>
              <kbd>{`${shortcutPrefix}${page.key}`}</kbd>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
