/**
 * Seed section "Attaching extra information to an emitting asset event",
 * decorator style:
 *
 * > The easiest way to attach extra information to the asset event is by
 * > yield-ing a Metadata object from a task.
 *
 * `exampleS3Asset` is an `Asset<{ rowCount: number }>`, so the Metadata's
 * extra is type-checked. The same DAG in builder style:
 * `../functional/metadata-yield.ts`.
 */
import { dag, Metadata, task } from "assetflow";
import { exampleS3Asset } from "../assets.js";

/** Its `write_to_s3` task yields the row count as the event's extra. */
@dag({ dagId: "metadata-yield", schedule: null })
export class MetadataYield {
  @task({ taskId: "write_to_s3", outlets: [exampleS3Asset] })
  *writeToS3() {
    const df = [{ id: 1 }, { id: 2 }, { id: 3 }]; // Get the rows to write.
    // Write df to the asset...
    yield new Metadata(exampleS3Asset, { rowCount: df.length });
  }
}
