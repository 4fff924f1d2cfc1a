/**
 * The web UI's one HTML page and its Content-Security-Policy. The page holds
 * no data: its script (built by `npm run build` into `dist/ui/static/`)
 * reads everything through the API with the token the user gives.
 */

/** Content-Security-Policy of the UI: its own script, style and worker only, API calls to the same origin. */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The page every UI address serves; the script picks the view from the address. */
export const UI_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>assetflow</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/static/app.css">
<script type="module" src="/ui/static/boot.js"></script>
<script type="module" src="/ui/static/app.js"></script>
</head>
<body>
<div id="root"><noscript>The assetflow UI needs JavaScript. The REST API is at /api/v1 (see /api/v1/openapi.json).</noscript></div>
</body>
</html>
`;
