/**
 * graphile-worker (PostgreSQL) side of the peers bench, with its defaults
 * unless a figure says otherwise: `run()` with a task list, jobs added with
 * `addJob` (one) or its SQL `add_job` (many in one statement), in a schema of
 * its own that the bench drops at the end (see {@link graphileSchema}).
 */
import { Logger, type Runner, run, runMigrations, type TaskList } from "graphile-worker";
import pg from "pg";
import { benchGone, forkRole, now, toBench } from "./child.js";
import type { ChainRig, HopRig, NoopRig } from "./rigs.js";

const silent = new Logger(() => () => undefined);

/**
 * Creates graphile-worker's schema. Call it once per bench run, before any
 * runner: every graphile-worker process of a database LISTENs for migrations
 * on one channel, and a runner migrating a second schema makes the runners of
 * the first shut down ("breaking migration"). So all rigs share one schema,
 * each with task names of its own, in a database of their own (see
 * {@link graphileDatabase}).
 */
export async function graphileSchema(url: string, schema: string): Promise<void> {
  await runMigrations({ connectionString: url, schema, logger: silent });
}

/**
 * A database of this bench run's own for graphile-worker, beside the one
 * `url` names: its channels (`worker:migrate`, `jobs:insert`) are the
 * database's, not the schema's, so another process creating a graphile-worker
 * schema in a shared database (another bench run, a test) would tell this
 * run's runners to shut down, and a rig waiting for its jobs would wait for
 * ever. Dropped by `drop()`.
 */
export async function graphileDatabase(url: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const own = new URL(url);
  own.pathname = `/${name}`;
  return { url: own.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * `finished`, or an error once the runner stopped first (graphile-worker shuts
 * its runners down when told of a breaking migration): a rig never waits for
 * ever for jobs no runner will run.
 */
function unlessStopped(runner: Runner, finished: Promise<void>): Promise<void> {
  const stopped = runner.promise.then(() => {
    throw new Error("graphile-worker's runner stopped before the jobs were done (a breaking migration notice?)");
  });
  stopped.catch(() => undefined);
  return Promise.race([finished, stopped]);
}

function start(url: string, schema: string, taskList: TaskList, concurrency: number): Promise<Runner> {
  return run({ connectionString: url, schema, concurrency, noHandleSignals: true, logger: silent, taskList });
}

/**
 * One hop across processes: a worker in this process (A) runs "first", whose
 * handler adds the "second" job as its last step; a worker in process B runs
 * "second" (it knows no other task). The figure: from A's add to B's handler starting.
 */
export async function graphileHop(url: string, schema: string): Promise<HopRig> {
  const runner = await start(
    url,
    schema,
    {
      first: async (_payload, helpers) => {
        await helpers.addJob("second", { t0: now() });
      },
    },
    1,
  );
  const b = await forkRole("graphile-hop-b", { url, schema });
  return {
    hop: async () => {
      await runner.addJob("first", {});
      const started = await b.next<{ type: string; at: number; t0: number }>("started", 10_000);
      return started.at - started.t0;
    },
    close: async () => {
      await b.close();
      await runner.stop();
    },
  };
}

/** Process B of {@link graphileHop}. */
export async function graphileHopB(flags: Map<string, string>): Promise<void> {
  const runner = await start(
    flags.get("url") as string,
    flags.get("schema") as string,
    {
      second: async (payload) => {
        toBench({ type: "started", at: now(), t0: (payload as { t0: number }).t0 });
      },
    },
    1,
  );
  toBench({ type: "ready" });
  await benchGone();
  await runner.stop();
}

/** 10 chained jobs, each handler adding the next: from the first add to the last job's success. */
export async function graphileChain(
  url: string,
  schema: string,
  steps: number,
  concurrency: number,
): Promise<ChainRig> {
  let done: (() => void) | null = null;
  const runner = await start(
    url,
    schema,
    {
      chain_step: async (payload, helpers) => {
        const step = (payload as { step: number }).step;
        if (step + 1 < steps) await helpers.addJob("chain_step", { step: step + 1 });
      },
    },
    concurrency,
  );
  runner.events.on("job:success", ({ job }) => {
    if (job.task_identifier === "chain_step" && (job.payload as { step: number }).step === steps - 1) done?.();
  });
  return {
    chain: async () => {
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      const started = performance.now();
      await runner.addJob("chain_step", { step: 0 });
      await unlessStopped(runner, finished);
      return performance.now() - started;
    },
    close: () => runner.stop(),
  };
}

/**
 * No-op jobs at `concurrency`. Plain: one job per unit, added in one `add_job`
 * statement per 1,000. Batched (`batch` items per job): graphile-worker's
 * batch jobs, an array payload whose items one handler call goes through;
 * the figure is items per second.
 */
export async function graphileNoop(url: string, schema: string, concurrency: number, batch = 1): Promise<NoopRig> {
  let remaining = 0;
  let done: (() => void) | null = null;
  const identifier = batch === 1 ? "noop" : "noop_batch";
  const runner = await start(
    url,
    schema,
    {
      [identifier]: async (payload) => {
        if (Array.isArray(payload)) for (const _item of payload) remaining--;
        else remaining--;
      },
    },
    concurrency,
  );
  runner.events.on("job:success", () => {
    if (remaining <= 0) done?.();
  });
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const items = JSON.stringify(Array.from({ length: batch }, () => ({})));
  return {
    noop: async (count) => {
      remaining = count;
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      const started = performance.now();
      const jobs = Math.ceil(count / batch);
      for (let first = 0; first < jobs; first += 1000) {
        await pool.query(`SELECT ${schema}.add_job($1, $2::json) FROM generate_series(1, $3)`, [
          identifier,
          batch === 1 ? "{}" : items,
          Math.min(1000, jobs - first),
        ]);
      }
      await unlessStopped(runner, finished);
      return count / ((performance.now() - started) / 1000);
    },
    close: async () => {
      await runner.stop();
      await pool.end();
    },
  };
}
