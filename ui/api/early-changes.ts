/**
 * The first `GET /changes` of a page load, started by the small boot script
 * (`ui/boot.ts`) while the app's script is still loading: the app needs the
 * first cursor before its pages read (so no change between a read and the
 * cursor is missed), and this takes that round trip off the path to the
 * first rows. The app takes the answer once, for the same token; without it
 * (tests, a refused token, a network error) it asks as usual.
 */
import { API_BASE } from "./client.js";
import type { Changes } from "./types.js";

const SLOT = "assetflowEarlyChanges";

interface EarlyChanges {
  readonly token: string;
  readonly answer: Promise<Changes | null>;
}

type Holder = Record<string, unknown>;

/**
 * Starts the first `GET /changes` with `token`, keeping its answer on `holder` (the page's `window`).
 *
 * @example
 * ```ts
 * startEarlyChanges(window, token, fetch);
 * ```
 */
export function startEarlyChanges(holder: object, token: string, fetchFn: typeof fetch): void {
  const answer = fetchFn(`${API_BASE}/changes`, {
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
  })
    .then((response) => (response.ok ? (response.json() as Promise<Changes>) : null))
    .catch(() => null);
  (holder as Holder)[SLOT] = { token, answer } satisfies EarlyChanges;
}

/**
 * The early answer for `token`, once (null when there is none, it was taken,
 * or it was asked with another token).
 *
 * @example
 * ```ts
 * const early = takeEarlyChanges(window, token); // Promise<Changes | null> | null
 * ```
 */
export function takeEarlyChanges(holder: object, token: string): Promise<Changes | null> | null {
  const early = (holder as Holder)[SLOT] as EarlyChanges | undefined;
  if (early === undefined) return null;
  delete (holder as Holder)[SLOT];
  return early.token === token ? early.answer : null;
}

/**
 * `changes` that answers its first cursor-less call with the early answer
 * when there is one (and asks the server when it failed).
 *
 * @example
 * ```ts
 * const changes = withEarlyChanges(api.changes, takeEarlyChanges(window, token));
 * ```
 */
export function withEarlyChanges(
  changes: (since: string | null, signal?: AbortSignal) => Promise<Changes>,
  early: Promise<Changes | null> | null,
): (since: string | null, signal?: AbortSignal) => Promise<Changes> {
  let pending = early;
  return async (since, signal) => {
    const answer = since === null ? pending : null;
    pending = null;
    return (answer ? await answer : null) ?? changes(since, signal);
  };
}
