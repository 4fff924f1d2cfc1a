/**
 * The Assets view's public routes: the page, its script and its style sheet.
 * None of them holds data, so none needs the token; the page asks for it.
 */
import type { ApiApp } from "../server.js";
import { assetsViewScript } from "./bundle.js";
import { ASSETS_VIEW_CSP, ASSETS_VIEW_CSS, ASSETS_VIEW_HTML } from "./page.js";

/** Where the Assets view is served. */
export const ASSETS_VIEW_PATH = "/ui/";

/**
 * Registers `/`, `/ui`, `/ui/`, `/ui/assets-view.js` and `/ui/assets-view.css`.
 *
 * @example
 * ```ts
 * app.register(async (publicApp) => assetsViewRoutes(publicApp.withTypeProvider<ZodTypeProvider>()));
 * ```
 */
export function assetsViewRoutes(app: ApiApp): void {
  const hide = { schema: { hide: true } };
  app.get("/", hide, async (_request, reply) => reply.redirect(ASSETS_VIEW_PATH, 302));
  app.get("/ui", hide, async (_request, reply) => reply.redirect(ASSETS_VIEW_PATH, 302));
  app.get(ASSETS_VIEW_PATH, hide, async (_request, reply) =>
    reply
      .header("content-type", "text/html; charset=utf-8")
      .header("content-security-policy", ASSETS_VIEW_CSP)
      .header("x-frame-options", "DENY")
      .send(ASSETS_VIEW_HTML),
  );
  app.get("/ui/assets-view.js", hide, async (_request, reply) =>
    reply
      .header("content-type", "text/javascript; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(await assetsViewScript()),
  );
  app.get("/ui/assets-view.css", hide, async (_request, reply) =>
    reply.header("content-type", "text/css; charset=utf-8").header("cache-control", "no-cache").send(ASSETS_VIEW_CSS),
  );
}
