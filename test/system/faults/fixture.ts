/**
 * The fixture of the fault tests: a temporary home and DAGs folder with one
 * DAG file, and `assetflow standalone` running over them.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliEnv, requireBuiltCli, Service, tempDir } from "../e2e/support.js";

/** A running standalone over a temporary home; `stop` stops it and removes the folders. */
export interface FaultFixture {
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly standalone: Service;
  stop(): Promise<void>;
}

/** Writes `source` as the one DAG file and starts `assetflow standalone --workers <workers>` on it. */
export async function startFaultFixture(
  prefix: string,
  source: (home: string) => string,
  workers = 1,
): Promise<FaultFixture> {
  requireBuiltCli();
  const home = tempDir(prefix);
  const dags = tempDir(`${prefix}-dags`);
  const env = cliEnv(home.path);
  writeFileSync(join(dags.path, `${prefix}.ts`), source(home.path));
  const standalone = new Service(
    ["standalone", "--dags", dags.path, "--workers", String(workers), "--port", "0", "--grace", "0"],
    env,
  );
  await standalone.started();
  return {
    home: home.path,
    env,
    standalone,
    async stop() {
      await standalone.stop();
      home.remove();
      dags.remove();
    },
  };
}
