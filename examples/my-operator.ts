/**
 * The seed's `MyOperator` (sections "Quickstart" and "Extra information on
 * asset"): a classic operator, written by subclassing `BaseOperator`. Both
 * styles import it: the functional examples create it inside `dag(...)`, the
 * decorator examples in a field of the `@dag` class.
 */
import { BaseOperator, type BaseOperatorOptions, type TaskContext } from "assetflow";

/** Options of {@link MyOperator}: the base options plus what it "writes". */
export interface MyOperatorOptions extends BaseOperatorOptions {
  /** How many rows the operator reports writing (default 3). */
  rowCount?: number;
}

/**
 * Pretends to write a CSV file: logs how many rows it wrote and returns that
 * count. Its outlets are updated when it succeeds, like any task's.
 *
 * @example
 * ```ts
 * new MyOperator({ taskId: "update_example_csv", outlets: [new Asset("s3://asset-bucket/example.csv")] });
 * ```
 */
export class MyOperator extends BaseOperator {
  readonly rowCount: number;

  constructor({ rowCount = 3, ...options }: MyOperatorOptions) {
    super(options);
    this.rowCount = rowCount;
  }

  override execute(ctx: TaskContext): number {
    ctx.log(`${this.taskId} wrote ${this.rowCount} rows`);
    return this.rowCount;
  }
}
