import { Asset, type DagLike, dag, serializeDags, task } from "assetflow";
import { describe, expect, it } from "vitest";
import { dagWarningsOf } from "./dag-warnings.js";

const named = new Asset({ name: "orders", uri: "s3://orders" });
const manifestOf = (built: DagLike) => serializeDags([built]).dags[0];

describe("dagWarningsOf", () => {
  it("flags a DAG scheduled on its own outlet", () => {
    const direct = manifestOf(
      dag({ dagId: "d", schedule: [named] }, () => {
        task({ taskId: "t", outlets: [named] }, () => undefined);
      }),
    );
    expect(direct && dagWarningsOf(direct)).toEqual([
      {
        dagId: "d",
        warningType: "self-triggering",
        message: expect.stringContaining('asset "orders" (s3://orders/), an outlet of its task "t"'),
      },
    ]);
  });

  it("says nothing when the schedule and the outlets differ, or the schedule is not on assets", () => {
    const other = new Asset("s3://other");
    const fine = manifestOf(
      dag({ dagId: "d", schedule: [other] }, () => {
        task({ taskId: "t", outlets: [named] }, () => undefined);
      }),
    );
    const manual = manifestOf(
      dag({ dagId: "m", schedule: null }, () => {
        task({ taskId: "t", outlets: [named] }, () => undefined);
      }),
    );
    expect(fine && dagWarningsOf(fine)).toEqual([]);
    expect(manual && dagWarningsOf(manual)).toEqual([]);
  });
});
