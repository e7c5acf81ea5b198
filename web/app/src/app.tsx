// The shell: header (navigation, global search, tenant scope) and the page
// for the current route. The graph and console pages load on demand.

import type { ComponentType } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { SearchBox } from './components/search';
import { ErrorBox, Loading } from './components/state';
import { useAsync, useGlobalKey, useTenant } from './hooks';
import { fetchTenants } from './api/queries';
import { links, navigate, useRoute, type Route } from './router';
import { OverviewPage } from './pages/overview';
import { DirectoryPage } from './pages/directory';
import { DetailPage } from './pages/detail';
import { NotFoundPage } from './pages/notfound';
import { FindingsPage, findingLinks, RulesPage } from './pages/findings';
import { SignInPage } from './pages/signin';
import { fetchMe, signOut, SIGNED_OUT, type Me } from './api/auth';
import { TenantsPage } from './monitor/tenants';
import { ActivityPage } from './monitor/activity';
import './monitor/monitor.css';

type PageProps = { route: Route };

/** Loads a page module on first use (keeps sigma and CodeMirror out of the first load). */
function lazyPage(load: () => Promise<ComponentType<PageProps>>): ComponentType<PageProps> {
  let cached: ComponentType<PageProps> | null = null;
  return function Lazy(props: PageProps) {
    const [Comp, setComp] = useState<ComponentType<PageProps> | null>(() => cached);
    const [err, setErr] = useState<unknown>(null);
    useEffect(() => {
      if (cached) return;
      load().then(
        (c) => {
          cached = c;
          setComp(() => c);
        },
        (e: unknown) => setErr(e),
      );
    }, []);
    if (err) return <ErrorBox error={err} retry={() => location.reload()} />;
    return Comp ? <Comp {...props} /> : <Loading label="Loading the page…" />;
  };
}

const GraphPage = lazyPage(() => import('./pages/graph').then((m) => m.GraphPage));
const ConsolePage = lazyPage(() => import('./pages/console').then((m) => m.ConsolePage));
const BenchPage = lazyPage(() => import('./pages/bench').then((m) => m.BenchPage));
const RulePage = lazyPage(() => import('./pages/rule').then((m) => m.RulePage));

const NAV = [
  { page: '', label: 'Overview', href: links.overview() },
  { page: 'assets', label: 'Assets', href: links.directory() },
  { page: 'findings', label: 'Findings', href: findingLinks.findings() },
  { page: 'graph', label: 'Graph', href: links.graph() },
  { page: 'console', label: 'Cypher console', href: links.console() },
  { page: 'tenants', label: 'Tenants', href: '#/tenants' },
  { page: 'activity', label: 'Activity', href: '#/activity' },
];

function TenantPicker() {
  const [tenant, setTenant] = useTenant();
  const tenants = useAsync((s) => fetchTenants(s), []);
  const names = tenants.data?.map((t) => t.name) ?? [];
  if (tenant && tenants.status === 'ok' && !names.includes(tenant)) names.push(tenant);
  return (
    <label class="tenant-picker">
      <span class="visually-hidden">Tenant scope</span>
      <select
        value={tenant}
        onChange={(e) => setTenant((e.target as HTMLSelectElement).value)}
        aria-label="Tenant scope"
        data-testid="tenant-picker"
      >
        <option value="">All tenants</option>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Shows the sign-in page until the server knows the caller, then the app. */
export function App() {
  const [me, setMe] = useState<Me | null | 'loading'>('loading');
  const [err, setErr] = useState<unknown>(null);
  useEffect(() => {
    fetchMe().then(setMe, setErr);
    const out = () => setMe(null);
    window.addEventListener(SIGNED_OUT, out);
    return () => window.removeEventListener(SIGNED_OUT, out);
  }, []);
  if (err) return <ErrorBox error={err} retry={() => location.reload()} />;
  if (me === 'loading') return <Loading label="Loading…" />;
  if (me === null) return <SignInPage onSignedIn={setMe} />;
  return <Shell me={me} onSignedOut={() => setMe(null)} />;
}

function UserMenu({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  return (
    <div class="user-menu" data-testid="user-menu">
      <span class="user-name" title={`${me.subject} (${me.role})`} data-testid="signed-in-as">
        {me.name} <span class="user-role">{me.role}</span>
      </span>
      {me.via !== 'none' && (
        <button
          type="button"
          data-testid="sign-out"
          onClick={() => {
            signOut().finally(onSignedOut);
          }}
        >
          Sign out
        </button>
      )}
    </div>
  );
}

function Shell({ me, onSignedOut }: { me: Me; onSignedOut: () => void }) {
  const route = useRoute();
  const page = route.segments[0] ?? '';
  const main = useRef<HTMLElement>(null);
  const search = useRef<HTMLInputElement | null>(null);
  const [menu, setMenu] = useState(false);

  useGlobalKey('/', (e) => {
    e.preventDefault();
    search.current?.focus();
  });

  useEffect(() => {
    setMenu(false);
    window.scrollTo(0, 0);
  }, [route.segments.join('/')]);

  let content;
  switch (page) {
    case '':
      content = <OverviewPage />;
      break;
    case 'assets':
      content = <DirectoryPage route={route} />;
      break;
    case 'asset':
      content = <DetailPage route={route} />;
      break;
    case 'graph':
      content = <GraphPage route={route} />;
      break;
    case 'console':
      content = <ConsolePage route={route} />;
      break;
    case 'bench':
      content = <BenchPage route={route} />;
      break;
    case 'tenants':
      content = <TenantsPage admin={me.role === 'admin'} />;
      break;
    case 'activity':
      content = <ActivityPage route={route} />;
      break;
    case 'findings':
      content = <FindingsPage route={route} />;
      break;
    case 'rules':
      content = <RulesPage />;
      break;
    case 'rule':
      content = <RulePage route={route} />;
      break;
    default:
      content = <NotFoundPage />;
  }
  const wide = page === 'graph' || page === 'console' || page === 'bench';

  return (
    <div class="app">
      <button type="button" class="skip-link" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <header class={menu ? 'topbar menu-open' : 'topbar'}>
        <a class="brand" href={links.overview()} aria-label="authgraph overview">
          <svg width="22" height="22" viewBox="0 0 16 16" aria-hidden="true">
            <path d="M4 4 L12 6 L7 12 Z" stroke="#94a3b8" stroke-width="1" fill="none" />
            <circle cx="4" cy="4" r="2.6" fill="#60a5fa" />
            <circle cx="12" cy="6" r="2.6" fill="#f472b6" />
            <circle cx="7" cy="12" r="2.6" fill="#4ade80" />
          </svg>
          <span>authgraph</span>
        </a>
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={menu}
          aria-controls="main-nav"
          onClick={() => setMenu((m) => !m)}
        >
          Menu
        </button>
        <nav id="main-nav" aria-label="Main" class={menu ? 'open' : ''}>
          {NAV.map((n) => (
            <a key={n.page} href={n.href} aria-current={page === n.page || (n.page === 'findings' && (page === 'rules' || page === 'rule')) ? 'page' : undefined}>
              {n.label}
            </a>
          ))}
          <a href="/graphql" target="_blank" rel="noopener" title="GraphiQL: the GraphQL explorer (opens a new tab)">
            GraphQL explorer <span aria-hidden="true">↗</span>
          </a>
        </nav>
        <div class="topbar-tools">
          <SearchBox
            label="Search assets"
            placeholder="Search assets  ( / )"
            clearOnPick
            inputRef={search}
            testId="global-search"
            onPick={(a) => navigate(links.asset(a.id))}
          />
          <TenantPicker />
          <UserMenu me={me} onSignedOut={onSignedOut} />
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} class={wide ? 'main wide' : 'main'}>
        {content}
      </main>
    </div>
  );
}
