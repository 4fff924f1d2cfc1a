/**
 * `Asset.ref` in a try: which asset a ref names among candidates, how a ref
 * is keyed, written in messages and asked of the read layer, and the error
 * when a ref given to an accessor names no asset or several. Shared by
 * `ctx.inletEvents`, `ctx.outletEvents` and `ctx.triggeringAssetEvents`.
 */
import type { AssetEventReader, AssetIdentity, AssetRefSubject, ResolvedAsset } from "../scheduler/contracts.js";
import { type AssetRef, isAssetRef } from "../sdk/index.js";
import { RuntimeErrorCode, TaskRuntimeError } from "./errors.js";

/** The task a ref is used by, for messages. */
export interface RefUser {
  readonly dagId: string;
  readonly taskId: string;
}

/**
 * The distinct assets among `candidates` that `ref` names: by name for
 * `Asset.ref({ name })`, by URI for `Asset.ref({ uri })` (the ref's URI is
 * sanitized as an asset's is, so equal URIs compare equal).
 *
 * @example
 * ```ts
 * assetsNamedBy(Asset.ref({ name: "orders" }), [orders, customers]); // [orders]
 * ```
 */
export function assetsNamedBy(ref: AssetRef, candidates: Iterable<AssetIdentity>): AssetIdentity[] {
  const found = new Map<string, AssetIdentity>();
  for (const asset of candidates) {
    const named = ref.name !== undefined ? asset.name === ref.name : asset.uri === ref.uri;
    if (named) found.set(JSON.stringify([asset.name, asset.uri]), { name: asset.name, uri: asset.uri });
  }
  return [...found.values()];
}

/**
 * The one asset the store knows by the ref's name or URI, through the read
 * layer (`AssetEventReader.resolveRef`); `undefined` with the matches when
 * there is none or there are several.
 *
 * @example
 * ```ts
 * const { asset, matches } = await resolveRef(reader, Asset.ref({ uri: "s3://b/orders" }));
 * ```
 */
export async function resolveRef(
  reader: AssetEventReader,
  ref: AssetRef,
): Promise<{ asset: ResolvedAsset | undefined; matches: ResolvedAsset[] }> {
  const matches = await reader.resolveRef(refSubject(ref));
  return { asset: matches.length === 1 ? matches[0] : undefined, matches };
}

/** The asset each declared `Asset.ref` (inlet or outlet) of a task resolved to, by the ref's key ({@link refKey}). */
export type ResolvedRefs = ReadonlyMap<string, ResolvedAsset>;

const NO_REFS: ResolvedRefs = new Map();

/**
 * Resolves the `Asset.ref`s among a task's declared inlets or outlets through
 * the read layer, when the try starts: a ref that names no asset the store
 * knows (or, by name or URI, several) throws a {@link TaskRuntimeError}
 * naming the task and the ref, `INLET_REF_UNRESOLVED` or
 * `OUTLET_REF_UNRESOLVED`, so that the try fails before the task runs.
 *
 * @example
 * ```ts
 * const outletRefs = await resolveDeclaredRefs(owner, "outlet", task.outlets, reader);
 * ```
 */
export async function resolveDeclaredRefs(
  user: RefUser,
  direction: "inlet" | "outlet",
  declared: readonly unknown[],
  reader: AssetEventReader,
): Promise<ResolvedRefs> {
  const refs = declared.filter(isAssetRef);
  if (refs.length === 0) return NO_REFS;
  const resolved = new Map<string, ResolvedAsset>();
  for (const ref of refs) {
    const { asset, matches } = await resolveRef(reader, ref);
    if (asset === undefined) {
      const by = ref.name !== undefined ? "name" : "URI";
      const problem =
        matches.length === 0
          ? `no asset the scheduler knows has that ${by}: declare the asset in a registered DAG (an outlet, inlet or schedule) or record an event of it, or fix the ${by}`
          : `${matches.length} assets have that ${by} (${matches.map(describeAsset).join(", ")}): declare the ${direction} as new Asset({ name, uri }) instead`;
      throw new TaskRuntimeError(
        direction === "inlet" ? RuntimeErrorCode.inletRefUnresolved : RuntimeErrorCode.outletRefUnresolved,
        `Task "${user.taskId}" of DAG "${user.dagId}" declares the ${direction} ${describeRef(ref)}, but ${problem}.`,
        { details: { dagId: user.dagId, taskId: user.taskId, [direction]: describeRef(ref), matches: matches.length } },
      );
    }
    resolved.set(refKey(ref), asset);
  }
  return resolved;
}

/**
 * The error of a ref given to an accessor (`ctx.outletEvents.get`,
 * `ctx.inletEvents.get`, `ctx.triggeringAssetEvents.get`, an alias's `add`)
 * that names no asset there or several: code `ASSET_REF_UNRESOLVED`, a
 * message naming the task, the ref, where it was looked for and the fix.
 *
 * @example
 * ```ts
 * throw refUnresolved(owner, ref, matches, "the task's outlets");
 * ```
 */
export function refUnresolved(
  user: RefUser,
  ref: AssetRef,
  matches: readonly AssetIdentity[],
  among: string,
): TaskRuntimeError {
  const by = ref.name !== undefined ? "name" : "URI";
  const problem =
    matches.length === 0
      ? `no asset of ${among} has that ${by}: fix the ${by}, or declare the asset`
      : `${matches.length} assets of ${among} have that ${by} (${matches.map(describeAsset).join(", ")}): pass the asset itself, or new Asset({ name, uri })`;
  return new TaskRuntimeError(
    RuntimeErrorCode.assetRefUnresolved,
    `Task "${user.taskId}" of DAG "${user.dagId}" uses ${describeRef(ref)}, but ${problem}.`,
    { details: { dagId: user.dagId, taskId: user.taskId, ref: describeRef(ref), matches: matches.length } },
  );
}

/** The reader's subject of a ref. */
export function refSubject(ref: AssetRef): AssetRefSubject {
  return ref.name !== undefined ? { kind: "ref", name: ref.name } : { kind: "ref", uri: ref.uri as string };
}

/** A string that identifies a ref: by name or by URI. */
export function refKey(ref: AssetRef): string {
  return ref.name !== undefined ? JSON.stringify(["name", ref.name]) : JSON.stringify(["uri", ref.uri]);
}

/** `Asset.ref({ name: "orders" })`, as the ref is written. */
export function describeRef(ref: AssetRef): string {
  return ref.name !== undefined
    ? `Asset.ref({ name: ${JSON.stringify(ref.name)} })`
    : `Asset.ref({ uri: ${JSON.stringify(ref.uri)} })`;
}

/** `"orders" at s3://b/orders`, for messages. */
export function describeAsset(asset: AssetIdentity): string {
  return `"${asset.name}" at ${asset.uri}`;
}
