import { Asset, captureWarnings, dag, serializeDags } from "assetflow";
import { describe, expect, it } from "vitest";
import { codes, compileSource, dagOf, taskOf, withCode } from "./test-support.js";

const header = `import { all, any, Asset, AssetAlias, AssetOrTimeSchedule, assets, CronDataIntervalTimetable, CronTriggerTimetable, dag, task } from "assetflow";\n`;

/** Compiles one DAG scheduled on `schedule` (after `prelude`), and returns its schedule and the diagnostics. */
function scheduleOf(schedule: string, prelude = "") {
  const result = compileSource(`${header}${prelude}\ndag({ dagId: "d", schedule: ${schedule} }, () => {});\n`);
  const dag = result.manifest.dags[0];
  return { schedule: dag?.schedule, diagnostics: result.diagnostics, manifest: result.manifest };
}

const asset = (uri: string, name = uri) => ({ kind: "asset", name, uri });

describe("assets", () => {
  it("sanitizes URIs with the SDK's rules and names an asset by its URI as written", () => {
    const { schedule, manifest } = scheduleOf(`new Asset("S3://Bucket/Key//?b=2&a=1#top")`);
    expect(schedule).toEqual({
      kind: "assets",
      condition: asset("s3://Bucket/Key?a=1&b=2", "S3://Bucket/Key//?b=2&a=1#top"),
    });
    expect(manifest.assets).toEqual([
      { name: "S3://Bucket/Key//?b=2&a=1#top", uri: "s3://Bucket/Key?a=1&b=2", group: "asset", extra: {} },
    ]);
  });

  it("reads new Asset({ uri, name, group, extra })", () => {
    const { manifest } = scheduleOf(
      `new Asset({ uri: "s3://b/k", name: "orders", group: "sales", extra: { owner: "ana", tags: ["a", 1, true, null] } })`,
    );
    expect(manifest.assets).toEqual([
      { name: "orders", uri: "s3://b/k", group: "sales", extra: { owner: "ana", tags: ["a", 1, true, null] } },
    ]);
  });

  it("uses the name as the URI when only a name is given", () => {
    expect(scheduleOf(`new Asset({ name: "example_asset" })`).schedule).toEqual({
      kind: "assets",
      condition: asset("example_asset"),
    });
  });

  it("reports an invalid URI as AF3001 with the SDK's message, at the URI", () => {
    const { diagnostics } = scheduleOf(`[orders]`, `const orders = new Asset("s3://");\n`);
    expect(codes(diagnostics)).toContain("AF3001 dags.ts:2:26");
    expect(withCode(diagnostics, "AF3001")[0]?.message).toContain("s3://");
  });

  it("reports a non-ASCII URI as AF3001 telling the user to percent-encode", () => {
    const { diagnostics } = scheduleOf(`[new Asset("èxample_datašet")]`);
    expect(withCode(diagnostics, "AF3001")[0]?.message).toMatch(/percent-encode/i);
  });

  it("warns (AF4006) that a pattern-looking URI names one asset literally", () => {
    const { diagnostics, schedule } = scheduleOf(`[new Asset("s3://bucket/input_[0-9].csv")]`);
    expect(withCode(diagnostics, "AF4006")).toHaveLength(1);
    expect(schedule).toEqual({
      kind: "assets",
      condition: { kind: "all", conditions: [asset("s3://bucket/input_[0-9].csv")] },
    });
  });

  it("warns (AF4007) when a password is dropped from a URI, and names the asset as the SDK does", () => {
    const { diagnostics, manifest } = scheduleOf(`[new Asset("ftp://user:secret@host/file.txt")]`);
    const loaded = captureWarnings(() => new Asset("ftp://user:secret@host/file.txt"));
    expect(withCode(diagnostics, "AF4007").map((d) => d.message)).toEqual(loaded.warnings.map((w) => w.message));
    expect(manifest.assets[0]).toMatchObject({ name: loaded.result.name, uri: loaded.result.uri });
    expect(manifest.assets[0]?.name).not.toContain("secret");
  });

  it.each(["s3://b/k?password=hunter2&v=1", "ftp://user%3Ahunter2@host/file.txt"])(
    "warns (AF4007) the same way for a secret in the query or a percent-encoded password: %s",
    (uri) => {
      const { diagnostics, manifest } = scheduleOf(`[new Asset(${JSON.stringify(uri)})]`);
      const loaded = captureWarnings(() => new Asset(uri));
      expect(loaded.warnings).toHaveLength(1);
      expect(withCode(diagnostics, "AF4007").map((d) => d.message)).toEqual(loaded.warnings.map((w) => w.message));
      expect(manifest.assets[0]).toMatchObject({ name: loaded.result.name, uri: loaded.result.uri });
      expect(JSON.stringify(manifest)).not.toContain("hunter2");
    },
  );

  it("rejects an unknown asset option with a did-you-mean (AF3005)", () => {
    const { diagnostics } = scheduleOf(`[new Asset({ uri: "s3://b/k", grup: "x" } as never)]`);
    expect(withCode(diagnostics, "AF3005")[0]?.message).toContain('Did you mean "group"?');
  });

  it("reads new Asset(uri, { name, group, schema }) and leaves the schema (a run-time validator) out", () => {
    const prelude = `import { z } from "zod";\nconst orders = new Asset("s3://b/orders", { name: "orders", group: "sales", schema: z.object({ n: z.number() }) });\n`;
    const { schedule, manifest, diagnostics } = scheduleOf(`[orders]`, prelude);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(schedule).toEqual({
      kind: "assets",
      condition: { kind: "all", conditions: [asset("s3://b/orders", "orders")] },
    });
    expect(manifest.assets).toEqual([{ name: "orders", uri: "s3://b/orders", group: "sales", extra: {} }]);
  });

  it("reports a second uri in new Asset(uri, {...}) as the SDK's OPTION_INVALID (AF3006)", () => {
    const { diagnostics } = scheduleOf(`[new Asset("s3://b/k", { uri: "s3://b/other" } as never)]`);
    expect(withCode(diagnostics, "AF3006")[0]).toMatchObject({ rule: "OPTION_INVALID" });
    expect(withCode(diagnostics, "AF3006")[0]?.message).toContain('second "uri"');
  });

  it("reads aliases with their group, and Asset.ref by name or URI", () => {
    const { schedule, manifest } = scheduleOf(
      `any(new AssetAlias("outputs", { group: "exports" }), Asset.ref({ name: "bucket-1" }), Asset.ref({ uri: "S3://b/k/" }))`,
    );
    expect(schedule).toEqual({
      kind: "assets",
      condition: {
        kind: "any",
        conditions: [
          { kind: "alias", name: "outputs" },
          { kind: "ref", name: "bucket-1" },
          { kind: "ref", uri: "s3://b/k" },
        ],
      },
    });
    expect(manifest.aliases).toEqual([{ name: "outputs", group: "exports" }]);
  });
});

describe("conditions", () => {
  const prelude = `const a = new Asset("s3://b/a"); const b = new Asset("s3://b/b"); const c = new Asset("s3://b/c");\n`;

  it("and() and all() flatten nested all; or() and any() flatten nested any", () => {
    expect(scheduleOf(`a.and(b).and(c)`, prelude).schedule).toEqual({
      kind: "assets",
      condition: { kind: "all", conditions: [asset("s3://b/a"), asset("s3://b/b"), asset("s3://b/c")] },
    });
    expect(scheduleOf(`any(a, any(b, c))`, prelude).schedule).toEqual({
      kind: "assets",
      condition: { kind: "any", conditions: [asset("s3://b/a"), asset("s3://b/b"), asset("s3://b/c")] },
    });
    expect(scheduleOf(`a.or(b.and(c))`, prelude).schedule).toEqual({
      kind: "assets",
      condition: {
        kind: "any",
        conditions: [asset("s3://b/a"), { kind: "all", conditions: [asset("s3://b/b"), asset("s3://b/c")] }],
      },
    });
  });

  it("parses the assets tagged template with & binding tighter than |", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the compiled source holds an assets`...` template
    expect(scheduleOf("assets`${a} | ${b} & ${c}`", prelude).schedule).toEqual({
      kind: "assets",
      condition: {
        kind: "any",
        conditions: [asset("s3://b/a"), { kind: "all", conditions: [asset("s3://b/b"), asset("s3://b/c")] }],
      },
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the compiled source holds an assets`...` template
    expect(scheduleOf("assets`(${a} | ${b}) & ${c}`", prelude).schedule).toEqual({
      kind: "assets",
      condition: {
        kind: "all",
        conditions: [{ kind: "any", conditions: [asset("s3://b/a"), asset("s3://b/b")] }, asset("s3://b/c")],
      },
    });
  });

  it("reports a malformed tagged template (AF3003) with the SDK's wording", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the compiled source holds an assets`...` template
    const { diagnostics } = scheduleOf("assets`${a} ${b}`", prelude);
    expect(withCode(diagnostics, "AF3003")[0]?.message).toContain("two operands in a row need an operator");
  });

  it("reports a string operand with a hint to wrap it in new Asset (AF3003)", () => {
    const { diagnostics } = scheduleOf(`all(a, "s3://b/x" as never)`, prelude);
    expect(withCode(diagnostics, "AF3003")[0]?.message).toContain('Wrap the URI: new Asset("s3://b/x")');
  });

  it("reports all() without operands (AF3003)", () => {
    expect(withCode(scheduleOf(`all()`).diagnostics, "AF3003")[0]?.message).toContain("all() needs at least one asset");
  });
});

describe("schedules", () => {
  it("normalizes null, @once, presets and cron strings like the SDK", () => {
    expect(scheduleOf("null").schedule).toEqual({ kind: "none" });
    expect(scheduleOf(`"@once"`).schedule).toEqual({ kind: "once" });
    expect(scheduleOf(`"@daily"`).schedule).toEqual({ kind: "cron", expression: "@daily", timezone: "UTC" });
    expect(scheduleOf(`"0 6 * * 1-5"`).schedule).toEqual({ kind: "cron", expression: "0 6 * * 1-5", timezone: "UTC" });
  });

  it("reports an invalid cron expression (AF3004) with the SDK's message", () => {
    const { diagnostics, manifest } = scheduleOf(`"every morning"`);
    expect(withCode(diagnostics, "AF3004")[0]?.message).toContain('Invalid cron expression "every morning" in dag "d"');
    expect(manifest.dags).toEqual([]);
  });

  it("makes a list mean all of its assets, even a list of one", () => {
    expect(scheduleOf(`[new Asset("s3://b/a")]`).schedule).toEqual({
      kind: "assets",
      condition: { kind: "all", conditions: [asset("s3://b/a")] },
    });
  });

  it("reports an empty schedule list (AF3003)", () => {
    expect(withCode(scheduleOf(`[]`).diagnostics, "AF3003")[0]?.message).toContain("is an empty list");
  });

  it("reads timetables and AssetOrTimeSchedule with a timetable or a cron string", () => {
    expect(scheduleOf(`new CronTriggerTimetable("0 1 * * 3", { timezone: "Europe/Paris" })`).schedule).toEqual({
      kind: "cronTrigger",
      expression: "0 1 * * 3",
      timezone: "Europe/Paris",
    });
    expect(scheduleOf(`new CronDataIntervalTimetable("@hourly")`).schedule).toEqual({
      kind: "cron",
      expression: "@hourly",
      timezone: "UTC",
    });
    expect(
      scheduleOf(`new AssetOrTimeSchedule({ timetable: "@daily", assets: [new Asset("s3://b/a")] })`).schedule,
    ).toEqual({
      kind: "assetOrTime",
      timetable: { kind: "cron", expression: "@daily", timezone: "UTC" },
      condition: { kind: "all", conditions: [asset("s3://b/a")] },
    });
  });

  it("reports an unknown time zone (AF3004)", () => {
    const { diagnostics } = scheduleOf(`new CronTriggerTimetable("0 1 * * *", { timezone: "Mars/Olympus" })`);
    expect(withCode(diagnostics, "AF3004")[0]?.message).toContain('Unknown time zone "Mars/Olympus"');
  });

  it("declares schedule assets after task assets: the first declaration wins group and extra", () => {
    const result = compileSource(`${header}
dag({ dagId: "b", schedule: [new Asset({ uri: "s3://b/k", extra: { from: "schedule of b" } })] }, () => {});
dag({ dagId: "a", schedule: [new Asset({ uri: "s3://b/k", extra: { from: "schedule of a" } })] }, () => {
  task({ taskId: "z", outlets: [new Asset({ uri: "s3://b/k", extra: { from: "outlet of a.z" } })] }, () => {});
  task({ taskId: "y", inlets: [new Asset({ uri: "s3://b/k", extra: { from: "inlet of a.y" } })] }, () => {});
});
`);
    expect(result.manifest.assets).toEqual([
      { name: "s3://b/k", uri: "s3://b/k", group: "asset", extra: { from: "inlet of a.y" } },
    ]);
    expect(taskOf(dagOf(result.manifest, "a"), "z").outlets).toEqual([asset("s3://b/k")]);
  });
});

describe("DAG settings", () => {
  it("applies the SDK's defaults: the DAG equals the one the SDK serializes", () => {
    const compiled = compileSource(`import { dag } from "assetflow";\ndag({ dagId: "plain" }, () => {});\n`).manifest
      .dags[0];
    expect(compiled).toEqual(serializeDags([dag({ dagId: "plain" }, () => {})]).dags[0]);
  });

  it("reads every option: start dates as ISO strings, tags sorted, params as JSON", () => {
    const dag = compileSource(`import { dag } from "assetflow";
dag({
  dagId: "full",
  description: "All options",
  startDate: new Date("2024-01-02T03:04:05Z"),
  catchup: true,
  maxActiveRuns: 2,
  tags: ["z", "a"],
  params: { limit: 10, nested: { ok: true } },
}, () => {});
`).manifest.dags[0];
    expect(dag).toMatchObject({
      description: "All options",
      startDate: "2024-01-02T03:04:05.000Z",
      catchup: true,
      maxActiveRuns: 2,
      tags: ["a", "z"],
      params: { limit: 10, nested: { ok: true } },
    });
  });

  it("warns (AF4009) that a start date without a time zone depends on the machine", () => {
    const result = compileSource(
      `import { dag } from "assetflow";\ndag({ dagId: "d", startDate: "2024-01-01T00:00" }, () => {});\n`,
    );
    expect(withCode(result.diagnostics, "AF4009")).toHaveLength(1);
    const utc = compileSource(
      `import { dag } from "assetflow";\ndag({ dagId: "d", startDate: "2024-01-01" }, () => {});\n`,
    );
    expect(utc.diagnostics).toEqual([]);
    expect(utc.manifest.dags[0]?.startDate).toBe("2024-01-01T00:00:00.000Z");
  });

  it("rejects invalid option values (AF3006) and unknown options with a did-you-mean (AF3005)", () => {
    const result = compileSource(`import { dag } from "assetflow";
dag({ dagId: "bad id!" }, () => {});
dag({ dagId: "runs", maxActiveRuns: 0 }, () => {});
dag({ dagId: "typo", schedul: "@daily" } as never, () => {});
`);
    expect(withCode(result.diagnostics, "AF3006").map((d) => d.message)).toEqual([
      expect.stringContaining('dagId may only contain letters, digits, "_", "-" and "."'),
      expect.stringContaining("maxActiveRuns must be a whole number >= 1"),
    ]);
    expect(withCode(result.diagnostics, "AF3005")[0]?.message).toContain('Did you mean "schedule"?');
    expect(result.manifest.dags).toEqual([]);
  });
});
