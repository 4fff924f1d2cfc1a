/**
 * Every resource of the REST API, one folder each: `schemas.ts` (its zod
 * schemas and the conversions from the read layer's views) beside `routes.ts`
 * (its routes, which read through `scheduler.read` and write through the
 * `Scheduler`'s methods). The watchers' webhook endpoints take no token and are
 * registered by `server.ts` in a scope of their own (`webhookRoutes`).
 */
import type { ApiApp, ApiContext } from "../server.js";
import { aliasRoutes } from "./aliases/routes.js";
import { assetEventRoutes } from "./asset-events/routes.js";
import { assetRoutes } from "./assets/routes.js";
import { changeRoutes } from "./changes/routes.js";
import { consumerRoutes } from "./consumers/routes.js";
import { dagWarningRoutes } from "./dag-warnings/routes.js";
import { dagRoutes } from "./dags/routes.js";
import { graphRoutes } from "./graph/routes.js";
import { importErrorRoutes } from "./import-errors/routes.js";
import { queuedEventRoutes } from "./queued-events/routes.js";
import { runRoutes } from "./runs/routes.js";
import { taskInstanceRoutes } from "./task-instances/routes.js";
import { watcherRoutes } from "./watchers/routes.js";

/**
 * Registers the routes of every resource (under the API prefix, behind the token).
 *
 * @example
 * ```ts
 * resourceRoutes(api.withTypeProvider<ZodTypeProvider>(), { scheduler, logDir });
 * ```
 */
export function resourceRoutes(app: ApiApp, context: ApiContext): void {
  queuedEventRoutes(app, context);
  assetRoutes(app, context);
  aliasRoutes(app, context);
  assetEventRoutes(app, context);
  graphRoutes(app, context);
  dagRoutes(app, context);
  consumerRoutes(app, context);
  importErrorRoutes(app, context);
  dagWarningRoutes(app, context);
  runRoutes(app, context);
  taskInstanceRoutes(app, context);
  changeRoutes(app, context);
  watcherRoutes(app, context);
}
