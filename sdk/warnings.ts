/**
 * The warning channel: things that are accepted but worth telling the user
 * (a password dropped from a URI, a pattern-looking URI). By default a warning
 * goes to `process.emitWarning`; tests and tools capture them instead with
 * {@link captureWarnings}.
 */

/** A warning with a stable code and a human message. */
export interface AssetflowWarning {
  readonly code: string;
  readonly message: string;
}

/** A function that receives warnings. */
export type WarningListener = (warning: AssetflowWarning) => void;

const captureStack: AssetflowWarning[][] = [];

/**
 * Reports a warning: to the innermost {@link captureWarnings} call, or to
 * `process.emitWarning` when nothing captures.
 *
 * @example
 * ```ts
 * emitAssetflowWarning({ code: "URI_PASSWORD_DROPPED", message: "..." });
 * ```
 */
export function emitAssetflowWarning(warning: AssetflowWarning): void {
  const sink = captureStack.at(-1);
  if (sink) {
    sink.push(warning);
    return;
  }
  if (typeof process !== "undefined" && typeof process.emitWarning === "function") {
    process.emitWarning(warning.message, { type: "AssetflowWarning", code: warning.code });
  }
}

/**
 * Runs `fn` and returns its result together with every warning it emitted.
 *
 * @example
 * ```ts
 * const { result, warnings } = captureWarnings(() => new Asset("ftp://u:p@host/f"));
 * warnings[0]?.code; // "URI_PASSWORD_DROPPED"
 * ```
 */
export function captureWarnings<T>(fn: () => T): { result: T; warnings: AssetflowWarning[] } {
  const warnings: AssetflowWarning[] = [];
  captureStack.push(warnings);
  try {
    return { result: fn(), warnings };
  } finally {
    captureStack.pop();
  }
}
