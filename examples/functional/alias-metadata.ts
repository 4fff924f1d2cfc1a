/**
 * Seed section "How to use AssetAlias" / "Emit an asset event during task
 * execution through yielding Metadata", builder style:
 *
 * > yield Metadata(s3_asset, extra={"k": "v"}, alias="my-task-outputs")
 *
 * The same DAG in decorator style: `../decorators/alias-metadata.ts`.
 */
import { Asset, dag, Metadata, task } from "assetflow";
import { myTaskOutputs } from "../assets.js";

/** Yields Metadata that adds s3://bucket/my-task (named example_s3) to the alias my-task-outputs. */
export const aliasMetadata = dag({ dagId: "alias-metadata", schedule: null }, () => {
  task({ taskId: "my_task_with_metadata", outlets: [myTaskOutputs] }, function* () {
    const s3Asset = new Asset({ uri: "s3://bucket/my-task", name: "example_s3" });
    yield new Metadata(s3Asset, { k: "v" }, { alias: "my-task-outputs" });
  });
});
