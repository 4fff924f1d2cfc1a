/**
 * Seed section "Advanced asset scheduling with conditional expressions",
 * decorator style:
 *
 * > AND (&): Specifies that the DAG should be triggered only after all of the
 * > specified assets have been updated. OR (|): Specifies that the DAG should
 * > be triggered when any of the specified assets is updated.
 *
 * `dag1`, `dag2` and `dag3` update their output assets when triggered; three
 * consumers combine them with `all`, `any` and `.or`/`.and`. The builder style
 * (`../functional/conditional.ts`) writes the same conditions with `.and`,
 * `.or` and the `assets` tagged template: the manifests are equal.
 */
import { all, any, BashOperator, dag, type TaskContext, task } from "assetflow";
import { dag1Asset, dag2Asset, dag3Asset } from "../assets.js";

/** Updates s3://dag1/output_1.txt. */
@dag({ dagId: "dag1", schedule: null })
export class Dag1 {
  write = new BashOperator({ taskId: "write_output_1", bashCommand: "echo 'dag1 output'", outlets: [dag1Asset] });
}

/** Updates s3://dag2/output_1.txt. */
@dag({ dagId: "dag2", schedule: null })
export class Dag2 {
  write = new BashOperator({ taskId: "write_output_1", bashCommand: "echo 'dag2 output'", outlets: [dag2Asset] });
}

/** Updates s3://dag3/output_3.txt. */
@dag({ dagId: "dag3", schedule: null })
export class Dag3 {
  write = new BashOperator({ taskId: "write_output_3", bashCommand: "echo 'dag3 output'", outlets: [dag3Asset] });
}

/** Consume asset 1 and 2 with asset expressions: `dag1_asset & dag2_asset`. */
@dag({ dagId: "consume_1_and_2_with_asset_expressions", schedule: all(dag1Asset, dag2Asset) })
export class Consume1And2 {
  @task()
  report(ctx: TaskContext): void {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${asset.name} was updated ${events.length} time(s)`);
    }
  }
}

/** Consume asset 1 or 2 with asset expressions: `dag1_asset | dag2_asset`. */
@dag({ dagId: "consume_1_or_2_with_asset_expressions", schedule: any(dag1Asset, dag2Asset) })
export class Consume1Or2 {
  @task()
  report(ctx: TaskContext): void {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${asset.name} was updated ${events.length} time(s)`);
    }
  }
}

/** Consume asset 1 or both 2 and 3 with asset expressions: `dag1_asset | (dag2_asset & dag3_asset)`. */
@dag({ dagId: "consume_1_or_both_2_and_3_with_asset_expressions", schedule: dag1Asset.or(dag2Asset.and(dag3Asset)) })
export class Consume1OrBoth2And3 {
  @task()
  report(ctx: TaskContext): void {
    for (const [asset, events] of ctx.triggeringAssetEvents) {
      ctx.log(`${asset.name} was updated ${events.length} time(s)`);
    }
  }
}
