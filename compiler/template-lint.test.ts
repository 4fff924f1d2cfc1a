import { describe, expect, it } from "vitest";
import { unquotedEventData } from "./template-lint.js";
import { codes, compileSource, withCode } from "./test-support.js";

describe("unquotedEventData", () => {
  it("finds event data interpolated without shquote, through loop and set bindings", () => {
    const first = "(triggering_asset_events.values() | first | first)";
    expect(unquotedEventData(`echo "{{ ${first}.extra.note }}"`)).toEqual([`{{ ${first}.extra.note }}`]);
    expect(unquotedEventData("echo {{ dag_run.conf.x }} {{ conf.y }} {{ params.z }} {{ inlet_events }}")).toHaveLength(
      4,
    );
    expect(
      unquotedEventData("{% for e in triggering_asset_events.values() | first %}echo {{ e.extra.k }}; {% endfor %}"),
    ).toEqual(["{{ e.extra.k }}"]);
    expect(unquotedEventData("{% set n = params.n %}echo {{ n }}")).toEqual(["{{ n }}"]);
  });

  it("accepts shquote at the end, and names that are not event data", () => {
    expect(unquotedEventData(`echo {{ params.region | shquote }} {{ dag_run.conf.k|shquote }}`)).toEqual([]);
    expect(unquotedEventData("echo {{ ds }} {{ dag_run.run_id }} {{ my_params }} {{ ti.task_id }} $NOTE")).toEqual([]);
    expect(unquotedEventData("{% for d in ['a'] %}echo {{ d }}{% endfor %}")).toEqual([]);
    // shquote must be the last filter: a filter after it can undo the quoting.
    expect(unquotedEventData("echo {{ params.x | shquote | replace(\"'\", '') }}")).toHaveLength(1);
  });
});

describe("AF4010 unquoted-event-data", () => {
  it("warns at the bashCommand of a BashOperator that splices event data, not when env or shquote carries it", () => {
    const result = compileSource(`import { Asset, BashOperator, dag } from "assetflow";
const inbox = new Asset("s3://b/inbox");
dag({ dagId: "consumer", schedule: [inbox] }, () => {
  new BashOperator({
    taskId: "unsafe",
    bashCommand: 'echo "{{ (triggering_asset_events.values() | first | first).extra.note }}"',
  });
  new BashOperator({ taskId: "env", env: { NOTE: "{{ params.note }}" }, bashCommand: 'echo "$NOTE"' });
  new BashOperator({ taskId: "quoted", bashCommand: "echo {{ dag_run.conf.note | shquote }}" });
});
`);
    expect(codes(withCode(result.diagnostics, "AF4010"))).toEqual(["AF4010 dags.ts:6:5"]);
    const [warning] = withCode(result.diagnostics, "AF4010");
    expect(warning?.severity).toBe("warning");
    expect(warning?.message).toContain('task "unsafe" of DAG "consumer" interpolates event data without shquote');
    expect(warning?.message).toContain("shquote");
  });
});
