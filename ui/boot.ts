/**
 * The boot script, loaded before the app's script and much smaller: takes a
 * token from the URL fragment (the link the server prints) into this tab's
 * storage, removes it from the address bar, and starts the first
 * `GET /changes` (see `api/early-changes.ts`) while the app loads.
 */
import { startEarlyChanges } from "./api/early-changes.js";
import { readToken, TOKEN_KEY, tokenFromFragment } from "./api/token.js";

const storages = { session: window.sessionStorage, local: window.localStorage };
const fromFragment = tokenFromFragment(window.location.hash);
if (fromFragment) {
  storages.session.setItem(TOKEN_KEY, fromFragment.token);
  // Keep the token out of the address bar and the history.
  window.history.replaceState(null, "", `${window.location.pathname}${window.location.search}${fromFragment.rest}`);
}
const token = readToken(storages);
if (token !== null) startEarlyChanges(window, token, (...args) => fetch(...args));
