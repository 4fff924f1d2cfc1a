/**
 * Asset aliases: the assets an alias resolved to and the tasks and DAGs around it.
 *
 * The resource's zod schemas (they validate requests and responses and make
 * the OpenAPI document) and the conversions from the read layer's views.
 */
import { z } from "zod";
import type { AliasView } from "../../../scheduler/read/index.js";
import { component } from "../../schemas.js";

/** An alias. */
export const aliasSchema = component(
  "AssetAlias",
  "An asset alias: the assets it resolved to, the tasks that emit through it, and the DAGs scheduled on it.",
  z.object({
    name: z.string(),
    group: z.string(),
    assets: z.array(z.object({ name: z.string(), uri: z.string() })),
    producingTasks: z.array(z.object({ dagId: z.string(), taskId: z.string() })),
    consumingDags: z.array(z.string()),
  }),
);

/**
 * An alias as the API shows it.
 *
 * @example
 * ```ts
 * const aliases = page.items.map(toAlias);
 * ```
 */
export function toAlias(alias: AliasView): z.output<typeof aliasSchema> {
  return {
    name: alias.name,
    group: alias.group,
    assets: alias.assets.map((asset) => ({ ...asset })),
    producingTasks: alias.producingTasks.map((task) => ({ ...task })),
    consumingDags: [...alias.consumingDags],
  };
}
