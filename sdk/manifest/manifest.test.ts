import {
  Asset,
  AssetAlias,
  AssetOrTimeSchedule,
  CronTriggerTimetable,
  type Dag,
  DefinitionError,
  dag,
  ErrorCode,
  isAssetflowError,
  MANIFEST_SCHEMA_VERSION,
  type Manifest,
  ManifestError,
  manifestToJson,
  parseManifest,
  serializeDags,
  task,
} from "assetflow";
import { describe, expect, it } from "vitest";

/** Runs `fn` and returns the error it throws, checking its class (failing the test if it throws nothing). */
function thrown<E extends Error>(errorClass: new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(errorClass);
    return error as E;
  }
  throw new Error(`expected a ${errorClass.name}, but nothing was thrown`);
}

const example = new Asset({
  uri: "s3://asset/example.csv",
  name: "example",
  group: "raw",
  extra: { team: "trainees" },
});
const report = new Asset("s3://asset/report.csv");
const incoming = new AssetAlias("incoming", { group: "feeds" });

function buildProject(): Dag[] {
  const producer = dag({ dagId: "producer", schedule: "@daily", tags: ["z-tag", "a-tag"] }, () => {
    const extract = task({ taskId: "extract", outlets: [example] }, () => 1);
    const publish = task({ taskId: "publish", outlets: [report, incoming], args: [extract] }, () => 2);
    task({ taskId: "audit", after: [publish, extract] }, () => 3);
  });
  const consumer = dag({ dagId: "consumer", schedule: [example] }, () => {
    task({ taskId: "read", inlets: [report], retries: 2, retryDelay: 1000, executionTimeout: 5000 }, () => 4);
  });
  const either = dag(
    {
      dagId: "either",
      schedule: new AssetOrTimeSchedule({
        timetable: new CronTriggerTimetable("0 1 * * 3", { timezone: "Europe/Paris" }),
        assets: example.or(incoming),
      }),
      startDate: "2024-01-01T00:00:00Z",
      params: { b: 1, a: { y: 2, x: 1 } },
    },
    () => {},
  );
  return [producer, consumer, either];
}

describe("serializeDags", () => {
  it("writes DAGs, tasks, schedules, assets and aliases", () => {
    const manifest = serializeDags(buildProject());
    expect(manifest.schemaVersion).toBe(MANIFEST_SCHEMA_VERSION);
    expect(manifest.assets).toEqual([
      { name: "example", uri: "s3://asset/example.csv", group: "raw", extra: { team: "trainees" } },
      { name: "s3://asset/report.csv", uri: "s3://asset/report.csv", group: "asset", extra: {} },
    ]);
    expect(manifest.aliases).toEqual([{ name: "incoming", group: "feeds" }]);
    const producer = manifest.dags.find((d) => d.dagId === "producer");
    expect(producer).toEqual({
      dagId: "producer",
      description: null,
      schedule: { kind: "cron", expression: "@daily", timezone: "UTC" },
      startDate: null,
      catchup: false,
      maxActiveRuns: 16,
      tags: ["a-tag", "z-tag"],
      params: {},
      tasks: [
        {
          taskId: "audit",
          operator: "task",
          outlets: [],
          inlets: [],
          upstream: ["extract", "publish"],
          retries: 0,
          retryDelayMs: 300_000,
          executionTimeoutMs: null,
        },
        {
          taskId: "extract",
          operator: "task",
          outlets: [{ kind: "asset", name: "example", uri: "s3://asset/example.csv" }],
          inlets: [],
          upstream: [],
          retries: 0,
          retryDelayMs: 300_000,
          executionTimeoutMs: null,
        },
        {
          taskId: "publish",
          operator: "task",
          outlets: [
            { kind: "asset", name: "s3://asset/report.csv", uri: "s3://asset/report.csv" },
            { kind: "alias", name: "incoming" },
          ],
          inlets: [],
          upstream: ["extract"],
          retries: 0,
          retryDelayMs: 300_000,
          executionTimeoutMs: null,
        },
      ],
    });
    expect(manifest.dags.find((d) => d.dagId === "consumer")?.tasks[0]).toMatchObject({
      taskId: "read",
      inlets: [{ kind: "asset", name: "s3://asset/report.csv", uri: "s3://asset/report.csv" }],
      retries: 2,
      retryDelayMs: 1000,
      executionTimeoutMs: 5000,
    });
    expect(manifest.dags.find((d) => d.dagId === "either")).toMatchObject({
      startDate: "2024-01-01T00:00:00.000Z",
      params: { b: 1, a: { y: 2, x: 1 } },
      schedule: {
        kind: "assetOrTime",
        timetable: { kind: "cronTrigger", expression: "0 1 * * 3", timezone: "Europe/Paris" },
        condition: {
          kind: "any",
          conditions: [
            { kind: "asset", name: "example", uri: "s3://asset/example.csv" },
            { kind: "alias", name: "incoming" },
          ],
        },
      },
    });
  });

  it("sorts DAGs by id and tasks by id", () => {
    const manifest = serializeDags(buildProject());
    expect(manifest.dags.map((d) => d.dagId)).toEqual(["consumer", "either", "producer"]);
    expect(manifest.dags[2]?.tasks.map((t) => t.taskId)).toEqual(["audit", "extract", "publish"]);
  });

  it("sorts assets by name then URI, and aliases by name, in code-point order", () => {
    const dags = [
      dag({ dagId: "assets" }, () => {
        task(
          {
            taskId: "t",
            outlets: [
              new Asset({ uri: "s3://b/2", name: "same" }),
              new Asset("s3://b/lower"),
              new Asset({ uri: "s3://b/1", name: "same" }),
              new Asset("S3://B/Upper"),
              new AssetAlias("zeta"),
              new AssetAlias("Alpha"),
              new AssetAlias("alpha"),
            ],
          },
          () => 1,
        );
      }),
    ];
    const manifest = serializeDags(dags);
    expect(manifest.assets.map((a) => [a.name, a.uri])).toEqual([
      ["S3://B/Upper", "s3://B/Upper"],
      ["s3://b/lower", "s3://b/lower"],
      ["same", "s3://b/1"],
      ["same", "s3://b/2"],
    ]);
    expect(manifest.aliases.map((a) => a.name)).toEqual(["Alpha", "alpha", "zeta"]);
  });

  it("gives identical JSON whatever the order of its input", () => {
    const dags = buildProject();
    const expected = manifestToJson(serializeDags(dags));
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    for (const order of orders) {
      const shuffled = order.map((index) => dags[index] as Dag);
      expect(manifestToJson(serializeDags(shuffled))).toBe(expected);
    }
    // A freshly built copy of the same project gives the same text too.
    expect(manifestToJson(serializeDags(buildProject().reverse()))).toBe(expected);
  });

  it("keeps the first declaration of an asset's group and extra, by DAG id, whatever the input order", () => {
    const first = new Asset({ uri: "s3://b/shared", group: "from-a", extra: { owner: "a" } });
    const second = new Asset({ uri: "s3://b/shared", group: "from-b", extra: { owner: "b" } });
    const dags = [
      dag({ dagId: "b_dag" }, () => {
        task({ taskId: "write", outlets: [second] }, () => 1);
      }),
      dag({ dagId: "a_dag" }, () => {
        task({ taskId: "write", outlets: [first] }, () => 1);
      }),
    ];
    for (const input of [dags, [...dags].reverse()]) {
      expect(serializeDags(input).assets).toEqual([
        { name: "s3://b/shared", uri: "s3://b/shared", group: "from-a", extra: { owner: "a" } },
      ]);
    }
  });

  it("within a DAG, takes tasks by id (outlets before inlets) before the schedule", () => {
    const declared = (group: string) => new Asset({ uri: "s3://b/k", group });
    const manifest = serializeDags([
      dag({ dagId: "one", schedule: [declared("schedule")] }, () => {
        task({ taskId: "b_task", outlets: [declared("b-outlet")] }, () => 1);
        task({ taskId: "a_task", inlets: [declared("a-inlet")] }, () => 1);
      }),
    ]);
    expect(manifest.assets.map((a) => a.group)).toEqual(["a-inlet"]);
    const outletsFirst = serializeDags([
      dag({ dagId: "two", schedule: [declared("schedule")] }, () => {
        task({ taskId: "t", inlets: [declared("inlet")], outlets: [declared("outlet")] }, () => 1);
      }),
    ]);
    expect(outletsFirst.assets.map((a) => a.group)).toEqual(["outlet"]);
    const scheduleOnly = serializeDags([dag({ dagId: "three", schedule: [declared("schedule")] }, () => {})]);
    expect(scheduleOnly.assets.map((a) => a.group)).toEqual(["schedule"]);
  });

  it("does not declare assets that are only referenced with Asset.ref", () => {
    const manifest = serializeDags([dag({ dagId: "by_ref", schedule: Asset.ref({ name: "elsewhere" }) }, () => {})]);
    expect(manifest.assets).toEqual([]);
    expect(manifest.dags[0]?.schedule).toEqual({ kind: "assets", condition: { kind: "ref", name: "elsewhere" } });
  });

  it("copies values, so changing the manifest does not change the DAG", () => {
    const source = dag({ dagId: "copied", params: { region: "eu" } }, () => {});
    const manifest = serializeDags([source]);
    (manifest.dags[0]?.params as Record<string, unknown>).region = "us";
    expect(source.settings.params).toEqual({ region: "eu" });
  });

  it("rejects two DAGs with the same id with DAG_INVALID naming the id", () => {
    const twice = [
      dag({ dagId: "twin" }, () => {}),
      dag({ dagId: "other" }, () => {}),
      dag({ dagId: "twin" }, () => {}),
    ];
    const error = thrown(DefinitionError, () => serializeDags(twice));
    expect(error.code).toBe(ErrorCode.dagInvalid);
    expect(error.message).toBe('Two DAGs have the id "twin": DAG ids must be unique in a project. Rename one of them.');
  });

  it("rejects a value that is not a DAG", () => {
    const error = thrown(DefinitionError, () => serializeDags([{ dagId: "fake" } as never]));
    expect(error.code).toBe(ErrorCode.dagInvalid);
    expect(error.message).toBe("Expected a DAG (made with dag(...), a @dag class or asset(...)), got an object.");
  });

  it("serializes an empty project", () => {
    expect(serializeDags([])).toEqual({ schemaVersion: MANIFEST_SCHEMA_VERSION, assets: [], aliases: [], dags: [] });
  });
});

describe("manifestToJson", () => {
  it("writes sorted keys, two-space indentation and a trailing newline", () => {
    const text = manifestToJson(serializeDags([dag({ dagId: "tiny" }, () => {})]));
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).toContain('\n  "aliases": []');
    const keys = Object.keys(JSON.parse(text));
    expect(keys).toEqual(["aliases", "assets", "dags", "schemaVersion"]);
    const dagKeys = Object.keys(JSON.parse(text).dags[0]);
    expect(dagKeys).toEqual([...dagKeys].sort());
  });
});

describe("parseManifest", () => {
  it("round-trips a serialized manifest through JSON", () => {
    const manifest = serializeDags(buildProject());
    const parsed = parseManifest(JSON.parse(manifestToJson(manifest)));
    expect(parsed).toEqual(manifest);
    expect(manifestToJson(parsed)).toBe(manifestToJson(manifest));
  });

  it("accepts a source location on DAGs and tasks", () => {
    const manifest: Manifest = JSON.parse(manifestToJson(serializeDags(buildProject())));
    const withSource = {
      ...manifest,
      dags: manifest.dags.map((d) => ({ ...d, source: { file: "dags/etl.ts", line: 3, column: 1 } })),
    };
    expect(parseManifest(withSource).dags[0]?.source).toEqual({ file: "dags/etl.ts", line: 3, column: 1 });
  });

  it("rejects another schemaVersion with a ManifestError naming the field", () => {
    const manifest = { ...serializeDags(buildProject()), schemaVersion: 2 };
    const error = thrown(ManifestError, () => parseManifest(manifest));
    expect(isAssetflowError(error)).toBe(true);
    expect(error.code).toBe(ErrorCode.manifestInvalid);
    expect(error.message).toContain(`The manifest is not valid (schemaVersion ${MANIFEST_SCHEMA_VERSION} expected):`);
    expect(error.message).toContain("  - at schemaVersion:");
    expect(error.message).toContain("Regenerate it with `assetflow compile` or serializeDags().");
  });

  it("lists the path of every malformed node", () => {
    const manifest = JSON.parse(manifestToJson(serializeDags(buildProject())));
    manifest.dags[2].tasks[0].retries = -1;
    manifest.dags[0].schedule = { kind: "assets", condition: { kind: "bogus" } };
    manifest.assets[0].extra = { when: Number.POSITIVE_INFINITY };
    manifest.aliases[0].unexpected = true;
    const error = thrown(ManifestError, () => parseManifest(manifest));
    expect(error.message).toContain("  - at dags.2.tasks.0.retries:");
    expect(error.message).toContain("  - at dags.0.schedule");
    expect(error.message).toContain("  - at assets.0.extra.when:");
    expect(error.message).toContain("  - at aliases.0:");
    const paths = (error.details.issues as Array<{ path: string[] }>).map((issue) => issue.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["dags.2.tasks.0.retries", "assets.0.extra.when", "aliases.0"]));
  });

  it("rejects something that is not a manifest at all at the root", () => {
    const error = thrown(ManifestError, () => parseManifest("manifest.json"));
    expect(error.message).toContain("  - at (root):");
  });

  it("rejects an empty all/any node", () => {
    const manifest = JSON.parse(manifestToJson(serializeDags(buildProject())));
    manifest.dags[0].schedule = { kind: "assets", condition: { kind: "all", conditions: [] } };
    expect(() => parseManifest(manifest)).toThrow(ManifestError);
  });
});

describe("Asset.ref in a task's inlets", () => {
  it("serializes as a ref node in both styles and declares no asset; a parsed manifest keeps it", () => {
    const builder = dag({ dagId: "refs", schedule: null }, () => {
      task(
        { taskId: "read", inlets: [Asset.ref({ name: "orders" }), Asset.ref({ uri: "S3://b/k" }), report] },
        () => 1,
      );
    });
    @dag({ dagId: "refs", schedule: null })
    class Refs {
      @task({ taskId: "read", inlets: [Asset.ref({ name: "orders" }), Asset.ref({ uri: "S3://b/k" }), report] })
      read(): number {
        return 1;
      }
    }
    const manifest = serializeDags([builder]);
    expect(manifest.dags[0]?.tasks[0]?.inlets).toEqual([
      { kind: "ref", name: "orders" },
      { kind: "ref", uri: "s3://b/k" },
      { kind: "asset", name: report.name, uri: report.uri },
    ]);
    expect(manifest.assets.map((asset) => asset.uri)).toEqual([report.uri]);
    expect(manifestToJson(serializeDags([Refs]))).toBe(manifestToJson(manifest));
    expect(parseManifest(JSON.parse(manifestToJson(manifest)))).toEqual(manifest);
  });

  it("a manifest with a ref among a task's outlets is read back as it is (Airflow 3 takes refs in outlets)", () => {
    const manifest = JSON.parse(
      manifestToJson(
        serializeDags([
          dag({ dagId: "d", schedule: null }, () => {
            task({ taskId: "t" }, () => 1);
          }),
        ]),
      ),
    ) as Manifest;
    const [first] = manifest.dags;
    (first?.tasks[0]?.outlets as unknown[] | undefined)?.push({ kind: "ref", name: "orders" });
    expect(first?.tasks[0]?.outlets).toHaveLength(1);
    expect(parseManifest(manifest).dags[0]?.tasks[0]?.outlets).toEqual([{ kind: "ref", name: "orders" }]);
  });
});
