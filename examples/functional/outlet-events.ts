/**
 * Seed section "Attaching extra information to an emitting asset event",
 * builder style:
 *
 * > Another way to achieve the same is by accessing outlet_events in a task's
 * > execution context directly.
 *
 * The same DAG in decorator style: `../decorators/outlet-events.ts`.
 */
import { dag, task } from "assetflow";
import { exampleS3Asset } from "../assets.js";

/** Its `write_to_s3` task sets the event's extra through `ctx.outletEvents`. */
export const outletEvents = dag({ dagId: "outlet-events", schedule: null }, () => {
  task({ taskId: "write_to_s3", outlets: [exampleS3Asset] }, (ctx) => {
    const df = [{ id: 1 }, { id: 2 }, { id: 3 }];
    ctx.outletEvents.get(exampleS3Asset).extra = { rowCount: df.length };
  });
});
