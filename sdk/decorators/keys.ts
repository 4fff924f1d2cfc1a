/**
 * The metadata keys the decorators write (with reflect-metadata) and the
 * scanner reads. Decorators write nothing else.
 */

/** On a class: the options given to `@dag`. */
export const DAG_OPTIONS_KEY = "assetflow:dag:options";
/** On a class: the `@task` methods, as {@link TaskMethodRecord}s in declaration order. */
export const TASK_METHODS_KEY = "assetflow:dag:taskMethods";
/** On a class: the scanned {@link Dag} definition. */
export const DAG_DEFINITION_KEY = "assetflow:dag:definition";

/** On a class: what each `@asset` / `@asset.multi` static method defined (by method name). */
export const ASSET_DEFINITIONS_KEY = "assetflow:asset:definitions";

/** What `@task` records for one method. */
export interface TaskMethodRecord {
  readonly methodName: string;
  readonly options: unknown;
}
