/**
 * Loads DAG files into the process running watchers, so that the kinds they
 * define with `defineWatcher` are known. Unlike tasks, watchers of such kinds
 * run in this process (as Airflow's triggerer runs triggers).
 */
import { join } from "node:path";
import { DagFileLoader, listDagFiles } from "../dag-files.js";

/** A loader of every DAG file under `dags` (bundles under `<home>/bundles`), for `WatcherRunner`'s `loadDefinitions`. */
export function definitionLoader(dags: string, home: string): () => Promise<void> {
  const loader = new DagFileLoader(join(home, "bundles"));
  return async () => {
    for (const file of listDagFiles(dags)) await loader.load(file);
  };
}
