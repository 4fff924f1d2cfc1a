/**
 * Seed section "Fetching information from previously emitted asset events",
 * builder style:
 *
 * > Inlet asset events can be read with the inlet_events accessor in the
 * > execution context. Continuing from the write_to_s3 task in the previous
 * > section.
 *
 * The DAG runs after each `write_to_s3` (of `metadata-yield` or
 * `outlet-events`) and reads the latest event's row count. The same DAG in
 * decorator style: `../decorators/inlet-events.ts`.
 */
import { dag, task } from "assetflow";
import { exampleS3Asset } from "../assets.js";

/** Reads the row count of the latest example_s3 event. */
export const inletEvents = dag({ dagId: "inlet-events", schedule: [exampleS3Asset] }, () => {
  task({ taskId: "post_process_s3_file", inlets: [exampleS3Asset] }, async (ctx) => {
    const events = ctx.inletEvents.get(exampleS3Asset);
    const lastRowCount = (await events.at(-1))?.extra.rowCount;
    ctx.log(`the latest write to ${exampleS3Asset.name} had ${lastRowCount} rows`);
    return lastRowCount;
  });
});
