import { type AnyAsset, type AssetAlias, type InletTarget, isAsset, isAssetRef } from "../asset.js";
import { type AssetDefinition, isAssetDefinition } from "../asset-definition.js";
import { getDagOfClass } from "../decorators/scanner.js";
import { type Dag, isDag } from "../definitions.js";
import { DefinitionError, ErrorCode } from "../errors.js";
import { describeValue, type JsonObject, stableStringify } from "../json.js";
import type { WatcherManifest } from "../watchers.js";
import { compare, dagManifestOf, ManifestDeclarations, taskManifestOf } from "./assemble.js";
import { type DagManifest, type Manifest, manifestSchema, type TaskAssetNode, type TaskInletNode } from "./schema.js";

/** A DAG as `serializeDags` accepts it: a {@link Dag}, a `@dag` class, or an asset defined by `asset()` (its DAG). */
export type DagLike = Dag | Function | AssetDefinition<object>;

/**
 * Resolves a {@link Dag} from a `Dag` or a `@dag` class, or throws a clear error.
 *
 * @example
 * ```ts
 * const definition = resolveDag(ProducerDag);
 * ```
 */
export function resolveDag(value: unknown): Dag {
  if (isDag(value)) return value;
  if (isAssetDefinition(value)) return value.dag;
  const scanned = getDagOfClass(value);
  if (scanned) return scanned;
  throw new DefinitionError(
    ErrorCode.dagInvalid,
    `Expected a DAG (made with dag(...), a @dag class or asset(...)), got ${describeValue(value)}.`,
  );
}

/**
 * Serializes DAGs (either style) to the manifest: assets, aliases and DAGs with
 * their schedules and tasks. The output is deterministic: DAGs, tasks, assets
 * and aliases sorted, no timestamps. When the same asset is declared with
 * different `group`/`extra`/`schema`, the first declaration in that order wins
 * (DAGs by id, then tasks by id with outlets before inlets, then the schedule).
 *
 * @example
 * ```ts
 * const manifest = serializeDags([producer, ConsumerDag]);
 * writeFileSync("manifest.json", manifestToJson(manifest));
 * ```
 */
export function serializeDags(dags: Iterable<DagLike>): Manifest {
  const resolved = [...dags].map(resolveDag).sort((a, b) => compare(a.dagId, b.dagId));
  for (let index = 1; index < resolved.length; index++) {
    if (resolved[index]?.dagId === resolved[index - 1]?.dagId) {
      throw new DefinitionError(
        ErrorCode.dagInvalid,
        `Two DAGs have the id "${resolved[index]?.dagId}": DAG ids must be unique in a project. Rename one of them.`,
      );
    }
  }
  const declarations = new ManifestDeclarations();
  const declare = (item: AnyAsset | AssetAlias): void => {
    if (isAsset(item)) {
      declarations.asset(item.key, () => ({
        name: item.name,
        uri: item.uri,
        group: item.group,
        extra: item.extra,
        ...(item.jsonSchema === null ? {} : { schema: item.jsonSchema as JsonObject }),
        ...(item.watchers.length === 0 ? {} : { watchers: item.watchers as WatcherManifest[] }),
      }));
    } else declarations.alias(item.name, item.group);
  };
  const dagManifests = resolved.map((definition): DagManifest => {
    const tasks = [...definition.tasks.values()].sort((a, b) => compare(a.taskId, b.taskId));
    for (const task of tasks) {
      // A ref declares nothing: it names an asset declared elsewhere.
      for (const item of [...task.outlets, ...task.inlets]) if (!isAssetRef(item)) declare(item);
    }
    definition.settings.scheduleAssets.forEach(declare);
    return dagManifestOf(
      definition.settings,
      tasks.map((task) =>
        taskManifestOf({
          ...task,
          outlets: task.outlets.map(toTaskInletNode),
          inlets: task.inlets.map(toTaskInletNode),
          upstream: definition.upstream.get(task.taskId) ?? [],
        }),
      ),
    );
  });
  return manifestSchema.parse(declarations.manifest(dagManifests));
}

/**
 * The manifest as deterministic JSON text (sorted keys, two-space indent,
 * trailing newline).
 *
 * @example
 * ```ts
 * writeFileSync("manifest.json", manifestToJson(serializeDags(dags)));
 * ```
 */
export function manifestToJson(manifest: Manifest): string {
  return `${stableStringify(manifest)}\n`;
}

function toTaskAssetNode(item: AnyAsset | AssetAlias): TaskAssetNode {
  return isAsset(item) ? { kind: "asset", name: item.name, uri: item.uri } : { kind: "alias", name: item.name };
}

function toTaskInletNode(item: InletTarget): TaskInletNode {
  return isAssetRef(item) ? (item.toConditionNode() as TaskInletNode) : toTaskAssetNode(item);
}
