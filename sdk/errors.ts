/**
 * The assetflow error hierarchy. Every error a user can provoke is an
 * {@link AssetflowError} with a stable `code`, a message that says what is
 * wrong, where, and how to fix it, and optional structured `details`.
 *
 * Errors are recognised across module copies and realms by a `Symbol.for`
 * marker, so `isAssetflowError(e)` works even when two copies of the package
 * are loaded (for example a DAG bundle and the runtime).
 */

const ERROR_MARK: unique symbol = Symbol.for("assetflow.error") as never;

/** Stable error codes. Codes are part of the public contract: never rename one. */
export const ErrorCode = {
  assetUriInvalid: "ASSET_URI_INVALID",
  assetInvalid: "ASSET_INVALID",
  assetPatternInvalid: "ASSET_PATTERN_INVALID",
  conditionInvalid: "CONDITION_INVALID",
  scheduleInvalid: "SCHEDULE_INVALID",
  optionUnknown: "OPTION_UNKNOWN",
  optionInvalid: "OPTION_INVALID",
  dagInvalid: "DAG_INVALID",
  taskDuplicate: "TASK_DUPLICATE",
  taskNotFound: "TASK_NOT_FOUND",
  dependencyCycle: "DEPENDENCY_CYCLE",
  metadataInvalid: "METADATA_INVALID",
  extraNotJson: "EXTRA_NOT_JSON",
  /** An event's extra does not match the schema of its asset. */
  extraInvalid: "EXTRA_INVALID",
  manifestInvalid: "MANIFEST_INVALID",
  decoratorInvalid: "DECORATOR_INVALID",
} as const;

/** One of the stable codes of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options shared by every assetflow error. */
export interface AssetflowErrorOptions {
  /** Structured context (field path, offending value, ...), safe to serialize. */
  details?: Record<string, unknown>;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * Base class of every error assetflow throws on purpose.
 *
 * @example
 * ```ts
 * try {
 *   new Asset("s3://");
 * } catch (error) {
 *   if (isAssetflowError(error)) console.log(error.code); // "ASSET_URI_INVALID"
 * }
 * ```
 */
export class AssetflowError extends Error {
  /** Stable, machine-readable code. */
  readonly code: string;
  /** Structured context for tools and API responses. */
  readonly details: Readonly<Record<string, unknown>>;
  readonly [ERROR_MARK] = true;

  constructor(code: string, message: string, options: AssetflowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = Object.freeze({ ...options.details });
  }

  /** Serializable form, used by the CLI's `--json` output and the API. */
  toJSON(): { name: string; code: string; message: string; details: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, details: { ...this.details } };
  }
}

/**
 * True when `value` is an {@link AssetflowError}, from any copy of the package.
 *
 * @example
 * ```ts
 * if (isAssetflowError(error)) process.exitCode = 1;
 * ```
 */
export function isAssetflowError(value: unknown): value is AssetflowError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[ERROR_MARK] === true;
}

/**
 * An asset URI broke one of the URI rules (DESIGN.md section 2). The message
 * names the rule and the fix.
 *
 * @example
 * ```ts
 * new Asset("s3://"); // AssetUriError: bucket name required
 * ```
 */
export class AssetUriError extends AssetflowError {
  constructor(message: string, options: AssetflowErrorOptions = {}) {
    super(ErrorCode.assetUriInvalid, message, options);
  }
}

/**
 * An authoring mistake in a DAG, task, asset, condition, schedule, option or
 * decorator. The `code` tells which kind.
 *
 * @example
 * ```ts
 * dag({ dagId: "x", schedul: null } as never, () => {}); // DefinitionError OPTION_UNKNOWN
 * ```
 */
export class DefinitionError extends AssetflowError {}

/**
 * An extra (asset event payload, Metadata) is not plain JSON.
 *
 * @example
 * ```ts
 * new Metadata(asset, { when: new Date() } as never); // ExtraError EXTRA_NOT_JSON
 * ```
 */
export class ExtraError extends AssetflowError {
  constructor(message: string, options: AssetflowErrorOptions = {}) {
    super(ErrorCode.extraNotJson, message, options);
  }
}

/**
 * An event's extra does not match the schema of its asset (`new Asset(uri, { schema })`).
 * `details` has the asset's name and URI and the issues, each with its key.
 *
 * @example
 * ```ts
 * yield new Metadata(orders, { rowCount: "x" } as never); // the try fails: ExtraSchemaError EXTRA_INVALID
 * ```
 */
export class ExtraSchemaError extends AssetflowError {
  constructor(message: string, options: AssetflowErrorOptions = {}) {
    super(ErrorCode.extraInvalid, message, options);
  }
}

/**
 * A manifest failed schema validation.
 *
 * @example
 * ```ts
 * parseManifest({ schemaVersion: 99 }); // ManifestError MANIFEST_INVALID
 * ```
 */
export class ManifestError extends AssetflowError {
  constructor(message: string, options: AssetflowErrorOptions = {}) {
    super(ErrorCode.manifestInvalid, message, options);
  }
}
