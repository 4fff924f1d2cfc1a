/**
 * Installs `Symbol.metadata` where the runtime lacks it (Node 20), so that
 * TypeScript's and esbuild's standard-decorator output give each decorated
 * class a metadata object. Imported first by the SDK entry point.
 */
const symbolWithMetadata = Symbol as unknown as { metadata?: symbol };
symbolWithMetadata.metadata ??= Symbol.for("Symbol.metadata");

export {};
