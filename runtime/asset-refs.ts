/**
 * `Asset.ref` in a try: which asset a ref names among candidates, how a ref
 * is keyed, written in messages and asked of the read layer, and the error
 * when a ref given to an accessor names no asset or several. Shared by
 * `ctx.inletEvents`, `ctx.outletEvents` and `ctx.triggeringAssetEvents`.
 */
import type { AssetEventReader, AssetIdentity, AssetRefSubject } from "../scheduler/contracts.js";
import type { AssetRef } from "../sdk/index.js";
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
): Promise<{ asset: AssetIdentity | undefined; matches: AssetIdentity[] }> {
  const matches = await reader.resolveRef(refSubject(ref));
  return { asset: matches.length === 1 ? matches[0] : undefined, matches };
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
