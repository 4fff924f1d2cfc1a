/**
 * The browser entry point: starts loading the current address's page if it
 * is loaded on first use, and renders the app (after `boot.ts`, which took
 * the token from the URL fragment and started the first API request).
 */
import "@xyflow/react/dist/style.css";
import "uplot/dist/uPlot.min.css";
import "./styles/app.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.js";
import { parseRoute } from "./model/routes.js";
import { preloadPageOf } from "./pages/lazy-pages.js";

// The boot script (boot.ts, loaded first) has moved a token from the URL fragment into storage.
const storages = { session: window.sessionStorage, local: window.localStorage };
preloadPageOf(parseRoute(window.location.pathname, window.location.search));
const root = document.getElementById("root");
if (!root) throw new Error("The page has no #root element.");
createRoot(root).render(
  <StrictMode>
    <App env={{ win: window, storages }} />
  </StrictMode>,
);
