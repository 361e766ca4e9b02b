import { useEffect, useMemo } from 'preact/hooks';
import { ChainView } from './chain/ChainView.tsx';
import { ChartView } from './chart/ChartView.tsx';
import { type Route, routeHash, useRoute } from './router.ts';
import { resumeSession, signedIn } from './session.ts';
import { useStore } from './store.ts';
import { AlertForm } from './views/AlertForm.tsx';
import { AlertsView } from './views/AlertsView.tsx';
import { FeedStatus } from './views/FeedStatus.tsx';
import { KeysView } from './views/KeysView.tsx';
import { SearchBox } from './views/SearchBox.tsx';
import { SignIn } from './views/SignIn.tsx';
import { Toasts } from './views/Toasts.tsx';
import { WatchlistView } from './views/WatchlistView.tsx';
import { Workspace, WorkspaceContext } from './workspace.ts';

resumeSession();

/** The shell: the sign-in page, or the header (navigation, search, feed status, sign out) and the page of the route. */
export function App() {
  const session = useStore(signedIn);
  const workspace = useMemo(() => (session ? new Workspace(session) : null), [session]);
  useEffect(() => () => workspace?.close(), [workspace]);
  if (!workspace) return <SignIn />;
  return (
    <WorkspaceContext.Provider value={workspace}>
      <Shell workspace={workspace} />
    </WorkspaceContext.Provider>
  );
}

const NAV: { route: Route; label: string }[] = [
  { route: { name: 'watchlist' }, label: 'Watchlist' },
  { route: { name: 'chain' }, label: 'Option chain' },
  { route: { name: 'alerts' }, label: 'Alerts' },
  { route: { name: 'keys' }, label: 'API keys' },
];

function Shell({ workspace }: { workspace: Workspace }) {
  const route = useRoute();
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">kite-edge</span>
        <nav aria-label="Pages">
          {NAV.map(({ route: target, label }) => (
            <a key={target.name} href={routeHash(target)} aria-current={route.name === target.name ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <SearchBox />
        <FeedStatus feed={workspace.feed} />
        <span class="who" title={workspace.session.user.email}>
          {workspace.session.user.email}
        </span>
        <button type="button" class="quiet" onClick={() => workspace.session.signOut().catch(() => {})}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
      <AlertForm />
      <Toasts />
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'chart':
      return <ChartView token={route.token} />;
    case 'chain':
      return <ChainView />;
    case 'alerts':
      return <AlertsView />;
    case 'keys':
      return <KeysView />;
    default:
      return <WatchlistView />;
  }
}
