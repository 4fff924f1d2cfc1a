/**
 * The app: the login page until a token is known, then the signed-in shell
 * (navigation, live updates, keyboard shortcuts) around the page of the
 * current route. Everything it shows comes from the REST API.
 */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiClient } from "./api/client.js";
import { takeEarlyChanges, withEarlyChanges } from "./api/early-changes.js";
import { assetflowApi } from "./api/endpoints.js";
import { ApiContext, type LiveStatus, useLiveUpdates } from "./api/hooks.js";
import { forgetToken, readToken, saveToken, type TokenStorages } from "./api/token.js";
import { Link, Router, type RouterWindow, useRouter } from "./components/router.js";
import { SHORTCUTS, shortcut } from "./model/keys.js";
import { assertNever, DEFAULT_ASSET_FILTER, DEFAULT_DAG_FILTER, type Route } from "./model/routes.js";
import { AssetsPage } from "./pages/assets-page.js";
import { DagsPage } from "./pages/dags-page.js";
import { LazyAssetPage, LazyDagPage, LazyLineagePage } from "./pages/lazy-pages.js";
import { LoginPage } from "./pages/login-page.js";
import { RunPage } from "./pages/run-page.js";

/** What the app needs from the browser (the page passes `window` and its storages). */
export interface AppEnvironment {
  readonly win: RouterWindow;
  readonly storages: TokenStorages;
  readonly fetch?: typeof fetch;
  /** Options of the query cache (tests turn retries off). */
  readonly retry?: boolean;
}

/**
 * The whole UI.
 *
 * @example
 * ```tsx
 * createRoot(element).render(<App env={{ win: window, storages: { session: sessionStorage, local: localStorage } }} />);
 * ```
 */
export function App({ env }: { env: AppEnvironment }) {
  const [token, setToken] = useState(() => readToken(env.storages));
  const [notice, setNotice] = useState<string | null>(null);
  const signOut = useCallback(
    (message: string | null) => {
      forgetToken(env.storages);
      setNotice(message);
      setToken(null);
    },
    [env.storages],
  );
  if (token === null) {
    return (
      <LoginPage
        notice={notice}
        fetch={env.fetch}
        onLogin={(value, remember) => {
          saveToken(env.storages, value, { remember });
          setNotice(null);
          setToken(value);
        }}
      />
    );
  }
  return <SignedIn key={token} token={token} env={env} onSignOut={signOut} />;
}

function SignedIn({
  token,
  env,
  onSignOut,
}: {
  token: string;
  env: AppEnvironment;
  onSignOut: (message: string | null) => void;
}) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            retry: env.retry === false ? false : (count, error) => count < 2 && !(error as { status?: number }).status,
            refetchOnWindowFocus: false,
            staleTime: 30_000,
          },
        },
      }),
  );
  const api = useMemo(() => {
    const endpoints = assetflowApi(
      new ApiClient({
        token,
        ...(env.fetch ? { fetch: env.fetch } : {}),
        onUnauthorized: () => onSignOut("The server refused the token: enter it again."),
      }),
    );
    // The first cursor, asked for by the boot script while this script loaded.
    return { ...endpoints, changes: withEarlyChanges(endpoints.changes, takeEarlyChanges(env.win, token)) };
  }, [token, env.fetch, env.win, onSignOut]);
  return (
    <QueryClientProvider client={queryClient}>
      <ApiContext.Provider value={api}>
        <Router win={env.win}>
          <Shell onSignOut={() => onSignOut(null)} />
        </Router>
      </ApiContext.Provider>
    </QueryClientProvider>
  );
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const { route, navigate } = useRouter();
  const [live, setLive] = useState<LiveStatus>({ kind: "live" });
  const [help, setHelp] = useState(false);
  const ready = useLiveUpdates(setLive);
  const pending = useRef<string | null>(null);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const result = shortcut(
        {
          key: event.key,
          ctrlKey: event.ctrlKey,
          metaKey: event.metaKey,
          altKey: event.altKey,
          targetTag: target?.tagName ?? "",
          targetEditable: target?.isContentEditable ?? false,
        },
        pending.current,
      );
      pending.current = result.pending;
      const action = result.action;
      if (!action) return;
      switch (action.kind) {
        case "go":
          event.preventDefault();
          navigate(pageRoute(action.page));
          return;
        case "focusSearch": {
          const search = document.querySelector<HTMLInputElement>("[data-search]");
          if (search) {
            event.preventDefault();
            search.focus();
            search.select();
          }
          return;
        }
        case "help":
          setHelp(true);
          return;
        case "close":
          setHelp(false);
          return;
        default:
          assertNever(action);
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [navigate]);

  const section = sectionOf(route);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">assetflow</span>
        <nav aria-label="Sections">
          <NavLink to={pageRoute("dags")} current={section === "dags"}>
            DAGs
          </NavLink>
          <NavLink to={pageRoute("assets")} current={section === "assets"}>
            Assets
          </NavLink>
          <NavLink to={pageRoute("lineage")} current={section === "lineage"}>
            Lineage
          </NavLink>
        </nav>
        <span
          className={`live live-${live.kind}`}
          role="status"
          title={live.kind === "offline" ? live.message : "Updates arrive as they happen"}
        >
          {live.kind === "live" ? "● Live" : "○ Offline: retrying"}
        </span>
        <button type="button" className="ghost" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts">
          ?
        </button>
        <button type="button" className="ghost" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {ready ? (
          <Suspense fallback={<p className="muted loading page">Loading…</p>}>
            <PageOf route={route} />
          </Suspense>
        ) : (
          <p className="muted loading page">Connecting…</p>
        )}
      </main>
      {help && <HelpDialog onClose={() => setHelp(false)} />}
    </div>
  );
}

function PageOf({ route }: { route: Route }) {
  switch (route.page) {
    case "dags":
      return <DagsPage filter={route.filter} />;
    case "dag":
      return <LazyDagPage key={route.dagId} dagId={route.dagId} />;
    case "run":
      return <RunPage key={`${route.dagId}\n${route.runId}`} route={route} />;
    case "assets":
      return <AssetsPage filter={route.filter} />;
    case "asset":
      return <LazyAssetPage key={`${route.uri}\n${route.name}`} uri={route.uri} name={route.name} />;
    case "lineage":
      return <LazyLineagePage route={route} />;
    case "notFound":
      return (
        <section className="page">
          <h1>Not found</h1>
          <p>
            No page at <code>{route.path}</code>. <Link to={pageRoute("dags")}>Go to DAGs</Link>.
          </p>
        </section>
      );
    default:
      return assertNever(route);
  }
}

function NavLink({ to, current, children }: { to: Route; current: boolean; children: ReactNode }) {
  return (
    <Link to={to} className={current ? "current" : ""} aria-current={current ? "page" : undefined}>
      {children}
    </Link>
  );
}

function HelpDialog({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal?.();
  }, []);
  return (
    <dialog ref={dialog} className="card" aria-labelledby="help-title" onClose={onClose} onCancel={onClose}>
      <h2 id="help-title">Keyboard shortcuts</h2>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map((item) => (
            <tr key={item.keys}>
              <td>
                <kbd>{item.keys}</kbd>
              </td>
              <td>{item.does}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={() => dialog.current?.close()}>
        Close
      </button>
    </dialog>
  );
}

function pageRoute(page: "dags" | "assets" | "lineage"): Route {
  if (page === "dags") return { page, filter: DEFAULT_DAG_FILTER };
  if (page === "assets") return { page, filter: DEFAULT_ASSET_FILTER };
  return { page, selected: null, focus: "all" };
}

function sectionOf(route: Route): "dags" | "assets" | "lineage" | null {
  switch (route.page) {
    case "dags":
    case "dag":
    case "run":
      return "dags";
    case "assets":
    case "asset":
      return "assets";
    case "lineage":
      return "lineage";
    case "notFound":
      return null;
    default:
      return assertNever(route);
  }
}
