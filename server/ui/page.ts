/**
 * The Assets view's static page and style sheet. They hold no data: the
 * script reads everything through the API with the token the user gives.
 */

/** Content-Security-Policy of the page: its own script and style only, API calls to the same origin. */
export const ASSETS_VIEW_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The page. */
export const ASSETS_VIEW_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>assetflow · Assets</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/assets-view.css">
<script src="/ui/assets-view.js" defer></script>
</head>
<body>
<header class="top">
  <h1>assetflow <span>Assets</span></h1>
  <p id="status" role="status" aria-live="polite">Loading…</p>
  <nav class="tools" aria-label="View">
    <button type="button" id="zoom-out" title="Zoom out" aria-label="Zoom out">−</button>
    <button type="button" id="zoom-fit" title="Fit the graph to the window">Fit</button>
    <button type="button" id="zoom-in" title="Zoom in" aria-label="Zoom in">+</button>
    <button type="button" id="change-token" title="Forget the token and enter another">Token…</button>
  </nav>
</header>
<main>
  <section id="graph" aria-label="Asset graph">
    <div id="graph-scroll"></div>
    <ul class="legend" aria-label="Legend">
      <li><span class="swatch asset"></span>asset</li>
      <li><span class="swatch alias"></span>alias</li>
      <li><span class="swatch dag"></span>DAG</li>
      <li><span class="line producer"></span>task outlet → asset</li>
      <li><span class="line consumer"></span>asset → DAG schedule</li>
      <li><span class="line alias"></span>alias → resolved asset</li>
    </ul>
  </section>
  <aside id="details" aria-label="Details" aria-live="polite">
    <p class="hint">Click an asset, alias or DAG to see its events, queued events and runs.</p>
  </aside>
</main>
<div id="login" class="overlay" hidden>
  <form id="login-form" class="card">
    <h2>API token</h2>
    <p>The Assets view reads the API with the token printed when the server first started (or <code>ASSETFLOW_API_TOKEN</code>). It is kept in this tab only.</p>
    <label for="token-input">Token</label>
    <input id="token-input" type="password" autocomplete="off" spellcheck="false" required>
    <p id="login-message" class="error" role="alert"></p>
    <button type="submit">Open</button>
  </form>
</div>
</body>
</html>
`;

/** The style sheet. */
export const ASSETS_VIEW_CSS = `
:root {
  --bg: #f8fafc; --panel: #ffffff; --text: #0f172a; --muted: #64748b; --line: #e2e8f0;
  --asset: #2563eb; --asset-bg: #eff6ff; --alias: #7c3aed; --alias-bg: #f5f3ff;
  --dag: #334155; --dag-bg: #f1f5f9; --consumer: #d97706; --ok: #16a34a; --bad: #dc2626; --run: #0891b2;
  font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--text); background: var(--bg);
}
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; }
header.top { display: flex; align-items: center; gap: 16px; padding: 8px 16px; background: #0f172a; color: #f8fafc; }
header.top h1 { font-size: 16px; margin: 0; font-weight: 600; }
header.top h1 span { color: #93c5fd; font-weight: 400; }
#status { margin: 0; flex: 1; color: #cbd5e1; font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#status.error { color: #fca5a5; }
.tools { display: flex; gap: 4px; }
button { font: inherit; border: 1px solid var(--line); background: #fff; color: var(--text); border-radius: 6px; padding: 3px 10px; cursor: pointer; }
button:hover { border-color: #94a3b8; }
header.top button { background: #1e293b; color: #e2e8f0; border-color: #334155; }
main { flex: 1; display: grid; grid-template-columns: minmax(0, 1fr) 420px; min-height: 0; }
#graph { position: relative; min-width: 0; min-height: 0; border-right: 1px solid var(--line); }
#graph-scroll { position: absolute; inset: 0; overflow: auto; }
#graph-scroll svg { display: block; }
.legend { position: absolute; left: 12px; bottom: 10px; display: flex; flex-wrap: wrap; gap: 12px; margin: 0; padding: 6px 10px; list-style: none; background: rgba(255,255,255,.92); border: 1px solid var(--line); border-radius: 8px; font-size: 11px; color: var(--muted); }
.legend li { display: flex; align-items: center; gap: 5px; }
.swatch { width: 14px; height: 10px; border-radius: 3px; border: 1.5px solid; display: inline-block; }
.swatch.asset { border-color: var(--asset); background: var(--asset-bg); }
.swatch.alias { border-color: var(--alias); background: var(--alias-bg); border-style: dashed; }
.swatch.dag { border-color: var(--dag); background: var(--dag-bg); }
.line { width: 22px; height: 0; border-top: 2px solid; display: inline-block; }
.line.producer { border-color: var(--asset); }
.line.consumer { border-color: var(--consumer); }
.line.alias { border-color: var(--alias); border-top-style: dotted; }
.empty { padding: 24px; color: var(--muted); }

svg .node { cursor: pointer; outline: none; }
svg .node rect { stroke-width: 1.5; rx: 7; }
svg .node.asset rect { fill: var(--asset-bg); stroke: var(--asset); }
svg .node.alias rect { fill: var(--alias-bg); stroke: var(--alias); stroke-dasharray: 5 3; }
svg .node.dag rect { fill: var(--dag-bg); stroke: var(--dag); }
svg .node.ref rect { fill: #fff; stroke: #94a3b8; stroke-dasharray: 2 3; }
svg .node text { font-size: 13px; fill: var(--text); }
svg .node text.sub { font-size: 11px; fill: var(--muted); }
svg .node text.kind { font-size: 10px; fill: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
svg .node .badge { font-size: 10px; font-weight: 600; }
svg .node .badge.queued { fill: var(--consumer); }
svg .node circle.state { stroke: #fff; stroke-width: 1; fill: #cbd5e1; }
svg .node circle.state.success { fill: var(--ok); }
svg .node circle.state.failed { fill: var(--bad); }
svg .node circle.state.running, svg .node circle.state.queued { fill: var(--run); }
svg .node.paused rect { opacity: .55; }
svg .node:hover rect, svg .node:focus-visible rect { stroke-width: 2.5; }
svg .node.selected rect { stroke-width: 3; filter: drop-shadow(0 1px 3px rgba(15,23,42,.3)); }
svg .edge { fill: none; stroke-width: 1.6; }
svg .edge.producer { stroke: var(--asset); }
svg .edge.consumer { stroke: var(--consumer); }
svg .edge.alias { stroke: var(--alias); stroke-dasharray: 2 3; }
svg .edge.dim, svg .node.dim { opacity: .25; }
svg marker path.producer { fill: var(--asset); }
svg marker path.consumer { fill: var(--consumer); }
svg marker path.alias { fill: var(--alias); }

#details { overflow: auto; padding: 14px 16px 40px; background: var(--panel); min-height: 0; }
#details h2 { font-size: 16px; margin: 0 0 2px; word-break: break-all; }
#details h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 18px 0 6px; }
#details .kind { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .05em; }
#details dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 8px 0; }
#details dt { color: var(--muted); }
#details dd { margin: 0; word-break: break-all; }
#details ul.plain { margin: 0; padding-left: 18px; }
#details .hint, #details .none { color: var(--muted); }
#details .actions { display: flex; gap: 6px; margin: 8px 0; }
pre.json { margin: 4px 0; padding: 6px 8px; background: #f8fafc; border: 1px solid var(--line); border-radius: 6px; font-size: 11.5px; white-space: pre-wrap; word-break: break-all; max-height: 180px; overflow: auto; }
table { width: 100%; border-collapse: collapse; font-size: 12px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); vertical-align: top; word-break: break-all; }
th { color: var(--muted); font-weight: 500; }
.item { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; margin: 6px 0; }
.item .head { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.item .time { color: var(--muted); font-size: 11.5px; }
.pill { font-size: 11px; border-radius: 999px; padding: 0 8px; border: 1px solid var(--line); background: #f8fafc; }
.pill.success { color: var(--ok); border-color: #bbf7d0; background: #f0fdf4; }
.pill.failed { color: var(--bad); border-color: #fecaca; background: #fef2f2; }
.pill.running, .pill.queued { color: var(--run); border-color: #a5f3fc; background: #ecfeff; }
.pill.waiting { color: var(--consumer); border-color: #fde68a; background: #fffbeb; }
ul.condition, ul.condition ul { list-style: none; margin: 0; padding-left: 16px; }
ul.condition { padding-left: 0; }
ul.condition li { margin: 2px 0; }
ul.condition .mark { display: inline-block; width: 16px; font-weight: 700; }
ul.condition .yes .mark { color: var(--ok); }
ul.condition .no .mark { color: var(--bad); }
.overlay { position: fixed; inset: 0; background: rgba(15,23,42,.55); display: flex; align-items: center; justify-content: center; }
.overlay[hidden] { display: none; }
.card { background: #fff; padding: 20px 22px; border-radius: 10px; width: min(420px, 92vw); box-shadow: 0 10px 30px rgba(0,0,0,.25); }
.card h2 { margin: 0 0 8px; font-size: 16px; }
.card input { width: 100%; font: inherit; padding: 6px 8px; border: 1px solid #cbd5e1; border-radius: 6px; margin: 4px 0 8px; }
.error { color: var(--bad); min-height: 1em; }
@media (max-width: 1000px) { main { grid-template-columns: minmax(0, 1fr) 340px; } }
`;
