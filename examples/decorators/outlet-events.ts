/**
 * Seed section "Attaching extra information to an emitting asset event",
 * decorator style:
 *
 * > Another way to achieve the same is by accessing outlet_events in a task's
 * > execution context directly.
 *
 * The same DAG in builder style: `../functional/outlet-events.ts`.
 */
import { dag, type TaskContext, task } from "assetflow";
import { exampleS3Asset } from "../assets.js";

/** Its `write_to_s3` task sets the event's extra through `ctx.outletEvents`. */
@dag({ dagId: "outlet-events", schedule: null })
export class OutletEvents {
  @task({ taskId: "write_to_s3", outlets: [exampleS3Asset] })
  writeToS3(ctx: TaskContext): void {
    const df = [{ id: 1 }, { id: 2 }, { id: 3 }];
    ctx.outletEvents.get(exampleS3Asset).extra = { rowCount: df.length };
  }
}
