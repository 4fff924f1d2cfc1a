/**
 * Where the page keeps the API token: in this tab (`sessionStorage`), or on
 * this computer (`localStorage`) when the user asks. A link printed by the
 * server carries it in the fragment (`/ui/#token=...`), which browsers never
 * send to a server; the page takes it and removes it from the address bar.
 */

/** The storage key. */
export const TOKEN_KEY = "assetflow.apiToken";

/** The storages the token may live in (the page passes `window`'s). */
export interface TokenStorages {
  readonly session: Pick<Storage, "getItem" | "setItem" | "removeItem">;
  readonly local: Pick<Storage, "getItem" | "setItem" | "removeItem">;
}

/**
 * The saved token, or null.
 *
 * @example
 * ```ts
 * readToken({ session: sessionStorage, local: localStorage });
 * ```
 */
export function readToken(storages: TokenStorages): string | null {
  return storages.session.getItem(TOKEN_KEY) ?? storages.local.getItem(TOKEN_KEY);
}

/**
 * Saves a token for this tab, or also for this computer.
 *
 * @example
 * ```ts
 * saveToken(storages, token, { remember: false });
 * ```
 */
export function saveToken(storages: TokenStorages, token: string, options: { remember: boolean }): void {
  storages.session.setItem(TOKEN_KEY, token);
  if (options.remember) storages.local.setItem(TOKEN_KEY, token);
  else storages.local.removeItem(TOKEN_KEY);
}

/**
 * Forgets the token everywhere.
 *
 * @example
 * ```ts
 * forgetToken(storages);
 * ```
 */
export function forgetToken(storages: TokenStorages): void {
  storages.session.removeItem(TOKEN_KEY);
  storages.local.removeItem(TOKEN_KEY);
}

/**
 * The token in a URL fragment (`#token=...`) and the fragment without it, or null.
 *
 * @example
 * ```ts
 * tokenFromFragment("#token=abc"); // { token: "abc", rest: "" }
 * ```
 */
export function tokenFromFragment(hash: string): { token: string; rest: string } | null {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const token = params.get("token");
  if (!token) return null;
  params.delete("token");
  const rest = params.toString();
  return { token, rest: rest === "" ? "" : `#${rest}` };
}
