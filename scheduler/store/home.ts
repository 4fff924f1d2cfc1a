import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * `ASSETFLOW_HOME`, default `./.assetflow`, as an absolute path. In a module
 * of its own (no store code) so that the CLI can print paths and help without
 * loading the database drivers. The home is private: 0700, its files 0600
 * ({@link makePrivateDir}, {@link makePrivateFile}).
 *
 * @example
 * ```ts
 * const logs = join(assetflowHome(), "logs");
 * ```
 */
export function assetflowHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.ASSETFLOW_HOME ?? ".assetflow");
}

/**
 * The store the environment names: `ASSETFLOW_DATABASE_URL` when it is set
 * and not empty, else the SQLite file `$ASSETFLOW_HOME/assetflow.db`.
 */
export function configuredStoreUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.ASSETFLOW_DATABASE_URL;
  return url === undefined || url === "" ? join(assetflowHome(env), "assetflow.db") : url;
}

/** The mode of the home and the folders assetflow makes in it: only its owner can list or enter them. */
export const PRIVATE_DIR_MODE = 0o700;
/** The mode of the files assetflow writes (the SQLite store, its WAL and SHM, task logs, tokens). */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes a folder (and missing parents) with {@link PRIVATE_DIR_MODE}. An
 * existing folder is left as it is unless `restrict` is true (the home: made
 * 0700 at every start, so a home made by an older version becomes private).
 *
 * @example
 * ```ts
 * makePrivateDir(assetflowHome(), { restrict: true });
 * ```
 */
export function makePrivateDir(path: string, options: { restrict?: boolean } = {}): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (options.restrict) chmodIfOwned(path, PRIVATE_DIR_MODE);
}

/**
 * Creates `path` empty with {@link PRIVATE_FILE_MODE} when it does not exist,
 * and makes an existing one private (files of a home made by an older version
 * were 0644), so the store is never readable by others, not even briefly.
 *
 * @example
 * ```ts
 * makePrivateFile(join(home, "assetflow.db"));
 * ```
 */
export function makePrivateFile(path: string): void {
  closeSync(openSync(path, "a", PRIVATE_FILE_MODE));
  chmodIfOwned(path, PRIVATE_FILE_MODE);
}

/** chmod, ignoring a path that is not this user's (it cannot be changed; the owner chose its mode). */
function chmodIfOwned(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") throw error;
  }
}
