/**
 * The browser entry point: takes a token from the URL fragment (the link
 * the server prints), removes it from the address bar, and renders the app.
 */
import "@xyflow/react/dist/style.css";
import "uplot/dist/uPlot.min.css";
import "./styles/app.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { TOKEN_KEY, tokenFromFragment } from "./api/token.js";
import { App } from "./app.js";

const storages = { session: window.sessionStorage, local: window.localStorage };
const fromFragment = tokenFromFragment(window.location.hash);
if (fromFragment) {
  storages.session.setItem(TOKEN_KEY, fromFragment.token);
  // Keep the token out of the address bar and the history.
  window.history.replaceState(null, "", `${window.location.pathname}${window.location.search}${fromFragment.rest}`);
}
const root = document.getElementById("root");
if (!root) throw new Error("The page has no #root element.");
createRoot(root).render(
  <StrictMode>
    <App env={{ win: window, storages }} />
  </StrictMode>,
);
