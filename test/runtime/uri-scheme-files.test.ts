/**
 * URI scheme rules are the project's, as Airflow's providers register theirs
 * in every process: a DAG file is loaded, and its tasks run, with the rules
 * the DAG files before it registered, in whichever process. Here
 * `registerUriScheme` is in one file and the assets of its scheme in another;
 * the task runs in a worker whose host never loaded the first file (as
 * `assetflow worker` beside `assetflow scheduler`), and its event is the
 * registered asset's (SQLite and PostgreSQL, real task hosts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DagProcessor } from "../../runtime/dag-processor.js";
import { TaskExecutor } from "../../runtime/task-executor.js";
import { WorkerPool } from "../../runtime/worker-pool.js";
import type { DagFileResult } from "../../scheduler/contracts.js";
import { storeBackends } from "../store/backends.js";
import { poll } from "../support/poll.js";

const SCHEMES_FILE = `import { registerUriScheme } from "assetflow";
registerUriScheme("topicq", (uri) => ({ ...uri, host: uri.host?.toLowerCase() }));
`;

const PIPELINE_FILE = `import { Asset, dag, task } from "assetflow";
const orders = new Asset({ name: "orders", uri: "topicq://Cluster/orders" });
export const producer = dag({ dagId: "producer", schedule: null }, () => {
  // Also a URI sanitized while the task runs: the rules are in force there too.
  task({ taskId: "write", outlets: [orders] }, () => new Asset("topicq://Cluster/made_at_run_time").uri);
});
export const consumer = dag({ dagId: "consumer", schedule: [orders] }, () => {
  task({ taskId: "read" }, () => undefined);
});
`;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.each(storeBackends("URI scheme rules in task hosts"))(
  "URI scheme rules across DAG files ($name)",
  (backend) => {
    /** A new store, and a home folder with an empty `dags` folder, both removed after the test. */
    async function freshProject() {
      const store = await backend.create();
      cleanups.push(() => store.dispose());
      const home = mkdtempSync(join(tmpdir(), "assetflow-schemes-"));
      cleanups.push(() => rmSync(home, { recursive: true, force: true }));
      const dags = join(home, "dags");
      mkdirSync(dags);
      return { store, home, dags };
    }

    it("a task whose host loads only its own file emits the event of the asset the scheduler registered", async () => {
      const { store, home, dags } = await freshProject();
      writeFileSync(join(dags, "a_schemes.ts"), SCHEMES_FILE);
      writeFileSync(join(dags, "b_pipeline.ts"), PIPELINE_FILE);
      const scheduler = await store.openScheduler();
      // The scheduler's own pool loads the files; a worker's pool, in which no host loaded a_schemes.ts yet, runs tasks.
      const loading = new WorkerPool({ size: 1, home, reader: scheduler.eventReader() });
      cleanups.push(() => loading.stop());
      const processor = new DagProcessor(dags, loading, scheduler);
      const results = await processor.processAll();
      expect(results.map((result) => result.ok)).toEqual([true, true]);
      const pipeline = results[1];
      if (!pipeline?.ok) throw new Error("b_pipeline.ts did not load");
      expect(pipeline.manifest.assets.map((asset) => asset.uri)).toEqual(["topicq://cluster/orders"]);
      expect(pipeline.manifest.dags.map((dag) => dag.uriSchemeFiles)).toEqual([
        [join(dags, "a_schemes.ts")],
        [join(dags, "a_schemes.ts")],
      ]);

      const working = new WorkerPool({ size: 1, home: join(home, "worker"), reader: scheduler.eventReader() });
      cleanups.push(() => working.stop());
      const executor = new TaskExecutor(scheduler, working, { workerId: "w1", logDir: join(home, "logs"), pollMs: 50 });
      cleanups.push(() => executor.stop());
      const runId = await scheduler.triggerDag("producer");
      executor.start();
      const write = await poll(
        "the producer's try to finish",
        async () => {
          const [ti] = await scheduler.read.taskInstances.list("producer", runId);
          return ti?.state === "success" || ti?.state === "failed" ? ti : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(write.error ?? null).toBeNull();
      expect(write.result).toBe("topicq://cluster/made_at_run_time");
      const events = await scheduler.listEvents({ kind: "asset", name: "orders", uri: "topicq://cluster/orders" });
      expect(events).toHaveLength(1);
      const consumerRuns = await poll(
        "the consumer's run",
        async () => {
          const runs = await scheduler.read.runs.list("consumer");
          return runs.length > 0 ? runs : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(consumerRuns).toHaveLength(1);
    }, 120_000);

    it("a file loaded before the registering file keeps its URIs as written, even in a host that ran the later file first", async () => {
      const { store, home, dags } = await freshProject();
      writeFileSync(
        join(dags, "a_early.ts"),
        `import { Asset, dag, task } from "assetflow";
export const early = dag({ dagId: "early", schedule: null }, () => {
  task({ taskId: "write", outlets: [new Asset({ name: "early", uri: "topicq://Cluster/early" })] }, () =>
    new Asset("topicq://Cluster/made_at_run_time").uri);
});
`,
      );
      writeFileSync(
        join(dags, "b_late.ts"),
        `${SCHEMES_FILE}import { dag, task } from "assetflow";
export const late = dag({ dagId: "late", schedule: null }, () => {
  task({ taskId: "noop" }, () => "done");
});
`,
      );
      const scheduler = await store.openScheduler();
      const loading = new WorkerPool({ size: 1, home, reader: scheduler.eventReader() });
      cleanups.push(() => loading.stop());
      const results = await new DagProcessor(dags, loading, scheduler).processAll();
      const early = results[0];
      if (!early?.ok) throw new Error("a_early.ts did not load");
      expect(early.manifest.assets.map((asset) => asset.uri)).toEqual(["topicq://Cluster/early"]);
      // One host: it runs the late file's task (registering the rule) before the early file's.
      const working = new WorkerPool({ size: 1, home: join(home, "worker"), reader: scheduler.eventReader() });
      cleanups.push(() => working.stop());
      const executor = new TaskExecutor(scheduler, working, { workerId: "w1", logDir: join(home, "logs"), pollMs: 50 });
      cleanups.push(() => executor.stop());
      const finished = (dagId: string, runId: string) =>
        poll(
          `the try of ${dagId} to finish`,
          async () => {
            const [ti] = await scheduler.read.taskInstances.list(dagId, runId);
            return ti?.state === "success" || ti?.state === "failed" ? ti : undefined;
          },
          { timeoutMs: 60_000 },
        );
      executor.start();
      expect((await finished("late", await scheduler.triggerDag("late"))).result).toBe("done");
      const write = await finished("early", await scheduler.triggerDag("early"));
      expect(write.error ?? null).toBeNull();
      expect(write.result).toBe("topicq://Cluster/made_at_run_time");
      const events = await scheduler.listEvents({ kind: "asset", name: "early", uri: "topicq://Cluster/early" });
      expect(events).toHaveLength(1);
    }, 120_000);

    it("in watch mode, a scheme file that starts or stops registering a rule reloads the files after it", async () => {
      const { store, home, dags } = await freshProject();
      const schemesFile = join(dags, "a_schemes.ts");
      writeFileSync(schemesFile, `export const rules = "none yet";\n`);
      writeFileSync(join(dags, "b_pipeline.ts"), PIPELINE_FILE);
      const scheduler = await store.openScheduler();
      const loading = new WorkerPool({ size: 1, home, reader: scheduler.eventReader() });
      cleanups.push(() => loading.stop());
      const processed: DagFileResult[] = [];
      const processor = new DagProcessor(dags, loading, scheduler, (result) => processed.push(result));
      cleanups.push(() => processor.close());
      const first = await processor.processAll();
      const pipelineOf = (results: readonly DagFileResult[]) => {
        const result = results.findLast((candidate) => candidate.file.endsWith("b_pipeline.ts"));
        if (!result?.ok) throw new Error("b_pipeline.ts did not load");
        return result.manifest;
      };
      expect(pipelineOf(first).assets.map((asset) => asset.uri)).toEqual(["topicq://Cluster/orders"]);
      expect(pipelineOf(first).dags.map((dag) => dag.uriSchemeFiles)).toEqual([undefined, undefined]);
      processor.watch();

      /** Writes the scheme file and returns the pipeline file's manifest once the watcher loaded it again. */
      const rewriteSchemes = (text: string, what: string) => {
        processed.length = 0;
        writeFileSync(schemesFile, text);
        return poll(
          `b_pipeline.ts to load again ${what}`,
          async () =>
            processed.some((result) => result.file.endsWith("b_pipeline.ts")) ? pipelineOf(processed) : undefined,
          { timeoutMs: 30_000 },
        );
      };

      // Only the scheme file changes: the pipeline file loads again with its rule in force.
      const sanitized = await rewriteSchemes(SCHEMES_FILE, "with the new rule");
      expect(sanitized.assets.map((asset) => asset.uri)).toEqual(["topicq://cluster/orders"]);
      expect(sanitized.dags.map((dag) => dag.uriSchemeFiles)).toEqual([[schemesFile], [schemesFile]]);
      // The scheduler registered the reloaded file: the store knows the asset by its sanitized URI.
      const registered = await scheduler.eventReader().resolveRef({ kind: "ref", uri: "topicq://cluster/orders" });
      expect(registered.map((asset) => asset.name)).toEqual(["orders"]);

      // The scheme file stops registering it: the pipeline's URIs are as written again, and name no scheme file.
      const asWritten = await rewriteSchemes(`export const rules = "none any more";\n`, "without the rule");
      expect(asWritten.assets.map((asset) => asset.uri)).toEqual(["topicq://Cluster/orders"]);
      expect(asWritten.dags.map((dag) => dag.uriSchemeFiles)).toEqual([undefined, undefined]);
    }, 120_000);
  },
);
