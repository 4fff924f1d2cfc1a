/**
 * The project `assetflow init` writes, in a temporary folder, with the
 * repository's build linked as its `assetflow` (and the repository's zod):
 * what the system tests of `dev`, `dags test` and the CLI run against,
 * without an `npm install` (test/system/new-project.test.ts does that one).
 */
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { cliEnv, requireBuiltCli, root, runCli, tempDir } from "./e2e/support.js";

/** A starter project: its folder, its `$ASSETFLOW_HOME`, its environment. */
export interface StarterProject {
  readonly project: string;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  remove(): void;
}

/** Writes a starter project with `assetflow init` and links the build into it. */
export async function createStarterProject(prefix: string): Promise<StarterProject> {
  requireBuiltCli();
  const work = tempDir(prefix);
  const project = join(work.path, "project");
  const home = join(project, ".assetflow");
  const env = cliEnv(home);
  const init = await runCli(["init", project], env);
  if (init.code !== 0) throw new Error(`assetflow init failed: ${init.stderr}`);
  mkdirSync(join(project, "node_modules"));
  symlinkSync(root, join(project, "node_modules/assetflow"), "dir");
  symlinkSync(join(root, "node_modules/zod"), join(project, "node_modules/zod"), "dir");
  return { project, home, env, remove: work.remove };
}
