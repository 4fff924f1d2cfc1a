/**
 * What changed since a cursor (`GET /changes`).
 *
 * The resource's zod schemas (they validate requests and responses and make
 * the OpenAPI document) and the conversions from the read layer's views.
 */
import { z } from "zod";
import { CHANGE_RESOURCES } from "../../../scheduler/read/changes.js";
import { component } from "../../schemas.js";

/** What changed since a cursor. */
export const changesSchema = component(
  "Changes",
  "The resources that changed since the cursor given as `since` (all of them without one), and the cursor to pass next time.",
  z.object({
    cursor: z.string(),
    changed: z.array(z.enum(CHANGE_RESOURCES)),
  }),
);
