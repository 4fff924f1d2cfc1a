/**
 * Navigation: the current {@link Route} from the address bar, links that
 * push a route (and still open in a new tab), and `navigate` for code. The
 * history of one page; no module state.
 */
import {
  createContext,
  type MouseEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from "react";
import { parseRoute, type Route, routeHref } from "../model/routes.js";

/** What the router gives the pages. */
export interface RouterValue {
  readonly route: Route;
  /** Goes to a route (a new history entry, or replacing the current one). */
  navigate(route: Route, options?: { replace?: boolean }): void;
}

const RouterContext = createContext<RouterValue | null>(null);

/** The browser location the router reads and writes (the page passes `window`). */
export interface RouterWindow {
  readonly location: Pick<Location, "pathname" | "search">;
  readonly history: Pick<History, "pushState" | "replaceState">;
  addEventListener(type: "popstate", listener: () => void): void;
  removeEventListener(type: "popstate", listener: () => void): void;
  scrollTo?(x: number, y: number): void;
}

/**
 * Provides the route of `win`'s location and follows back/forward.
 *
 * @example
 * ```tsx
 * <Router win={window}><App /></Router>
 * ```
 */
export function Router({ win, children }: { win: RouterWindow; children: ReactNode }) {
  const read = useCallback(() => parseRoute(win.location.pathname, win.location.search), [win]);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onPop = () => setRoute(read());
    win.addEventListener("popstate", onPop);
    return () => win.removeEventListener("popstate", onPop);
  }, [win, read]);
  const navigate = useCallback(
    (next: Route, options: { replace?: boolean } = {}) => {
      const href = routeHref(next);
      if (options.replace) win.history.replaceState(null, "", href);
      else {
        win.history.pushState(null, "", href);
        if (next.page !== route.page) win.scrollTo?.(0, 0);
      }
      setRoute(parseRoute(win.location.pathname, win.location.search));
    },
    [win, route.page],
  );
  const value = useMemo(() => ({ route, navigate }), [route, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

/**
 * The router of the page.
 *
 * @example
 * ```ts
 * const { route, navigate } = useRouter();
 * ```
 */
export function useRouter(): RouterValue {
  const value = useContext(RouterContext);
  if (!value) throw new Error("useRouter() outside <Router>");
  return value;
}

/**
 * A link to a route: a real `<a href>` (middle-click and copy work), which
 * navigates in place on a plain click.
 *
 * @example
 * ```tsx
 * <Link to={{ page: "dag", dagId }}>{dagId}</Link>
 * ```
 */
export function Link({
  to,
  children,
  className,
  title,
  replace,
  ...rest
}: {
  to: Route;
  children: ReactNode;
  className?: string;
  title?: string;
  replace?: boolean;
  "aria-current"?: "page" | undefined;
  "data-testid"?: string;
}) {
  const { navigate } = useRouter();
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to, { replace: replace ?? false });
  };
  return (
    <a href={routeHref(to)} onClick={onClick} className={className} title={title} {...rest}>
      {children}
    </a>
  );
}
