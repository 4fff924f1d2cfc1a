/**
 * Seed section "How to use AssetAlias" / "Emit an asset event during task
 * execution through yielding Metadata", decorator style:
 *
 * > yield Metadata(s3_asset, extra={"k": "v"}, alias="my-task-outputs")
 *
 * The same DAG in builder style: `../functional/alias-metadata.ts`.
 */
import { Asset, dag, Metadata, task } from "assetflow";
import { myTaskOutputs } from "../assets.js";

/** Yields Metadata that adds s3://bucket/my-task (named example_s3) to the alias my-task-outputs. */
@dag({ dagId: "alias-metadata", schedule: null })
export class AliasMetadata {
  @task({ taskId: "my_task_with_metadata", outlets: [myTaskOutputs] })
  *myTaskWithMetadata() {
    const s3Asset = new Asset({ uri: "s3://bucket/my-task", name: "example_s3" });
    yield new Metadata(s3Asset, { k: "v" }, { alias: "my-task-outputs" });
  }
}
