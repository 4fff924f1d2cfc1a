/**
 * DAG and task options as the SDK validates them (`dagOptionsSchema`,
 * `taskOptionsSchema`, `baseOperatorOptionsSchema` and the defaults of
 * `makeDagSettings` / `makeTaskDefinition`), applied to static values.
 */

import { z } from "zod";
import { consumptionToManifest } from "../sdk/consume.js";
import { DEFAULT_MAX_ACTIVE_RUNS } from "../sdk/dag-settings.js";
import type { JsonObject } from "../sdk/json.js";
import { bashOwnSchema } from "../sdk/operators/bash-operator.js";
import { sqlOwnSchema } from "../sdk/operators/sql-execute-query-operator.js";
import { baseOperatorOptionsSchema, dagDecoratorOptionsSchema, dagOptionsSchema } from "../sdk/option-schemas.js";
import { DEFAULT_RETRY_DELAY_MS } from "../sdk/task.js";
import { DiagnosticCatalog } from "./diagnostics.js";
import type { DagSettingsModel } from "./model.js";
import { checkOptions } from "./sdk-rules.js";
import {
  CONSTANT_HINT,
  capitalize,
  normalizeScheduleValue,
  type Reporter,
  reportUnknown,
  URI_HINT,
} from "./semantics.js";
import {
  type AliasValue,
  type AssetValue,
  describeValueKind,
  detach,
  detachJson,
  type InletValue,
  type ObjectValue,
  Props,
  propertySite,
  propOf,
  type Site,
  toConditionNode,
  toJson,
  type Value,
} from "./values.js";

/** Options every operator takes (the SDK's schema is their one source). */
export const OPERATOR_BASE_KEYS: readonly string[] = Object.keys(baseOperatorOptionsSchema.shape);

/** The own options of the SDK's operators, from their schemas. */
export const SDK_OPERATOR_OWN_KEYS: ReadonlyMap<string, readonly string[]> = new Map([
  ["BashOperator", Object.keys(bashOwnSchema.shape)],
  ["SQLExecuteQueryOperator", Object.keys(sqlOwnSchema.shape)],
]);

/**
 * The schema of an operator's base options when `own` are its own options
 * (taken out before): unknown keys are named with both, as the SDK does.
 */
export function operatorOptionsSchema(own: readonly string[]): z.ZodType {
  if (own.length === 0) return baseOperatorOptionsSchema;
  return baseOperatorOptionsSchema.extend(Object.fromEntries(own.map((key) => [key, z.unknown().optional()])));
}

const NO_TARGETS: readonly (AssetValue | AliasValue)[] = Object.freeze([]);

/** Reads options from an object value, reporting problems. */
class OptionReader {
  constructor(
    readonly reporter: Reporter,
    readonly object: ObjectValue,
    readonly where: string,
    readonly site: Site,
  ) {}

  siteOf(key: string): Site {
    return propertySite(this.object, key) ?? this.site;
  }

  /** The option's value; undefined when absent. Unknown values are reported and give `null`. */
  get(key: string, hint = CONSTANT_HINT): Value | undefined | null {
    const value = propOf(this.object, key);
    if (value === undefined || value.kind === "undefined") return undefined;
    if (value.kind === "unknown") {
      reportUnknown(this.reporter, value, { what: `The option "${key}" of ${this.where}`, hint });
      return null;
    }
    return value;
  }

  invalid(key: string, problem: string, value?: Value): null {
    this.reporter.report(
      DiagnosticCatalog.invalidOption,
      { option: key, where: this.where, problem: value ? `${problem} (got ${describeValueKind(value)})` : problem },
      this.siteOf(key),
    );
    return null;
  }

  string(key: string): string | undefined | null {
    const value = this.get(key);
    if (value === undefined || value === null) return value;
    return value.kind === "string" ? value.value : this.invalid(key, `${key} must be a string`, value);
  }

  // The SDK's option schemas checked kinds and ranges (sdk-rules.ts): these read what passed.

  id(key: "dagId" | "taskId"): string | undefined | null {
    const value = this.get(key, "write it as a string literal or a constant");
    if (value === undefined || value === null) return value;
    return value.kind === "string" ? value.value : this.invalid(key, `${key} must be a string`, value);
  }

  boolean(key: string): boolean | undefined | null {
    const value = this.get(key);
    if (value === undefined || value === null) return value;
    return value.kind === "boolean" ? value.value : this.invalid(key, `${key} must be a boolean`, value);
  }

  integer(key: string): number | undefined | null {
    const value = this.get(key);
    if (value === undefined || value === null) return value;
    return value.kind === "number" ? value.value : this.invalid(key, `${key} must be a number`, value);
  }

  /** `outlets` or `inlets` (assets, aliases and `Asset.ref`s), as the SDK's option schemas take them. */
  assetList(key: "outlets" | "inlets", owner: string): readonly InletValue[] | null {
    const value = this.get(key, URI_HINT);
    if (value === undefined) return NO_TARGETS;
    if (value === null) return null;
    if (value.kind !== "array") return this.invalid(key, `${key} must be a list of assets and aliases`, value);
    const items: InletValue[] = [];
    let ok = true;
    for (const [index, item] of value.items.entries()) {
      if (item.kind === "asset" || item.kind === "alias" || item.kind === "ref") items.push(item);
      else if (item.kind === "unknown") {
        reportUnknown(this.reporter, item, {
          what: capitalize(`${key === "outlets" ? "an outlet" : "an inlet"} of ${owner}`),
          hint: URI_HINT,
        });
        ok = false;
      } else {
        this.reporter.report(
          DiagnosticCatalog.invalidOption,
          {
            option: `${key}.${index}`,
            where: this.where,
            problem: `must be an Asset, an AssetAlias or an Asset.ref({ name } or { uri }) (wrap a URI string in new Asset(...)), got ${describeValueKind(item)}`,
          },
          this.siteOf(key),
        );
        ok = false;
      }
    }
    return ok ? items : null;
  }
}

/** What `parseDagSettings` needs to know about the definition. */
export interface DagOptionsContext {
  /** How option messages name the owner: `dag "etl"`, `@dag of class "Etl"`. */
  readonly where: (dagId: string | undefined) => string;
  readonly site: Site;
  /** The dagId when the options have none (`@dag` uses the class name). */
  readonly defaultDagId?: string;
}

/** Validates DAG options and applies the SDK's defaults; undefined when the DAG cannot be defined. */
export function parseDagSettings(
  reporter: Reporter,
  options: Value | undefined,
  context: DagOptionsContext,
): { settings: DagSettingsModel; scheduleSite: Site } | undefined {
  const object: ObjectValue =
    options === undefined || options.kind === "undefined"
      ? { kind: "object", props: new Props() }
      : (options as ObjectValue);
  if (options?.kind === "unknown") {
    reportUnknown(reporter, options, { what: `The options of ${context.where(undefined)}`, hint: CONSTANT_HINT });
    return undefined;
  }
  if (object.kind !== "object") {
    reporter.report(
      DiagnosticCatalog.invalidDag,
      { message: `Options of ${context.where(undefined)} must be an object, got ${describeValueKind(object)}.` },
      context.site,
    );
    return undefined;
  }
  if (object.havoc) {
    reportUnknown(reporter, object.havoc, { what: `The options of ${context.where(undefined)}`, hint: CONSTANT_HINT });
    return undefined;
  }
  const written = object.props.get("dagId");
  const firstWhere = context.where(written?.kind === "string" ? written.value : undefined);
  const schema = context.defaultDagId === undefined ? dagOptionsSchema : dagDecoratorOptionsSchema;
  if (!checkOptions(reporter, object, schema, firstWhere, context.site)) return undefined;
  const probe = new OptionReader(reporter, object, firstWhere, context.site);
  const dagId = probe.id("dagId") ?? context.defaultDagId;
  if (dagId === null || dagId === undefined) return undefined;
  const reader = new OptionReader(reporter, object, context.where(dagId), context.site);
  let ok = true;
  const check = <T>(value: T | null): T | undefined => {
    if (value === null) {
      ok = false;
      return undefined;
    }
    return value;
  };
  const description = check(reader.string("description"));
  const startDate = check(readStartDate(reader));
  const catchup = check(readPlainOption(reader, "catchup"));
  const consume = check(readPlainOption(reader, "consume"));
  const whilePaused = check(readPlainOption(reader, "whilePaused"));
  const maxActiveRuns = check(reader.integer("maxActiveRuns"));
  const tags = check(readTags(reader));
  const params = check(readJsonObject(reader, "params"));
  const scheduleValue = propOf(object, "schedule");
  const scheduleSite = propertySite(object, "schedule") ?? context.site;
  const normalized = normalizeScheduleValue(reporter, scheduleValue, `dag "${dagId}"`, scheduleSite);
  if (!normalized || !ok) return undefined;
  const consumption = consumptionToManifest(
    { catchup, consume, whilePaused },
    normalized.condition ? toConditionNode(normalized.condition) : null,
  );
  if (!consumption.ok) {
    reader.invalid(consumption.option, consumption.problem.replace(/\.$/, ""));
    return undefined;
  }
  return {
    settings: {
      dagId: detach(dagId),
      description: description === undefined ? null : detach(description),
      schedule: normalized.schedule,
      scheduleLeaves: normalized.leaves,
      condition: normalized.condition,
      startDate: startDate ?? null,
      catchup: catchup === true,
      ...consumption.value,
      maxActiveRuns: maxActiveRuns ?? DEFAULT_MAX_ACTIVE_RUNS,
      tags: tags ? tags.map(detach) : [],
      params: params ? detachJson(params) : {},
    },
    scheduleSite,
  };
}

/**
 * An option the SDK checks as a plain value (`catchup`, `consume`,
 * `whilePaused`): its JSON, with a Date (or `{ since: Date }`) as ISO text.
 * Unknown values are reported and give `null`.
 */
function readPlainOption(reader: OptionReader, key: string): unknown {
  const value = reader.get(key);
  if (value === undefined || value === null) return value;
  const iso = (date: Value) => (date.kind === "date" ? new Date(date.time).toISOString() : undefined);
  if (value.kind === "date") return iso(value);
  if (value.kind === "object" && value.props.get("since")?.kind === "date") {
    return { since: iso(value.props.get("since") as Value) };
  }
  const json = toJson(value);
  if (json.ok) return json.json;
  if (json.value.kind === "unknown") {
    reportUnknown(reader.reporter, json.value, { what: `The option "${key}" of ${reader.where}`, hint: CONSTANT_HINT });
    return null;
  }
  return reader.invalid(key, `${key} must be written with constants`, json.value);
}

function readStartDate(reader: OptionReader): string | undefined | null {
  const value = reader.get("startDate");
  if (value === undefined || value === null) return value;
  const problem = 'must be a Date or an ISO date string such as "2024-01-01T00:00:00Z"';
  let time: number;
  let local = false;
  let text = "";
  if (value.kind === "date") {
    time = value.time;
    local = value.local;
    text = value.text;
  } else if (value.kind === "string") {
    time = new Date(value.value).getTime();
    text = value.value;
    local = isLocalDateText(value.value);
  } else {
    return reader.invalid("startDate", problem, value);
  }
  if (Number.isNaN(time)) return reader.invalid("startDate", problem, value);
  if (local)
    reader.reporter.report(
      DiagnosticCatalog.localStartDate,
      { text: JSON.stringify(text) },
      reader.siteOf("startDate"),
    );
  return new Date(time).toISOString();
}

function isLocalDateText(text: string): boolean {
  const trimmed = text.trim();
  if (/^\d{4}(-\d{2}(-\d{2})?)?$/.test(trimmed)) return false;
  return !/(Z|[+-]\d{2}:?\d{2}|GMT|UTC)$/i.test(trimmed);
}

function readTags(reader: OptionReader): string[] | undefined | null {
  const value = reader.get("tags");
  if (value === undefined || value === null) return value;
  if (value.kind !== "array") return reader.invalid("tags", "tags must be a list of strings", value);
  const tags: string[] = [];
  for (const item of value.items) {
    if (item.kind === "unknown") {
      reportUnknown(reader.reporter, item, { what: `A tag of ${reader.where}`, hint: CONSTANT_HINT });
      return null;
    }
    if (item.kind !== "string") return reader.invalid("tags", "tags must be a list of strings", item);
    tags.push(item.value);
  }
  return tags;
}

function readJsonObject(reader: OptionReader, key: string): JsonObject | undefined | null {
  const value = reader.get(key);
  if (value === undefined || value === null) return value;
  const json = toJson(value);
  if (!json.ok) {
    if (json.value.kind === "unknown") {
      reportUnknown(reader.reporter, json.value, {
        what: `The option "${key}" of ${reader.where}`,
        hint: CONSTANT_HINT,
      });
      return null;
    }
    return reader.invalid(
      key,
      `must be a plain JSON object${json.path ? ` (key "${json.path}" is not JSON)` : ""}`,
      json.value,
    );
  }
  if (typeof json.json !== "object" || json.json === null || Array.isArray(json.json)) {
    return reader.invalid(key, "must be a plain JSON object", value);
  }
  return json.json as JsonObject;
}

/** Task options common to functions, methods and operators, after defaults. */
export interface TaskOptionsModel {
  readonly taskId: string | undefined;
  readonly outlets: readonly InletValue[];
  readonly inlets: readonly InletValue[];
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly executionTimeoutMs: number | null;
  readonly after: Value | undefined;
  readonly args: Value | undefined;
}

/**
 * Validates task options (with the SDK's `schema` of them) and applies the
 * SDK's defaults; undefined when a problem was reported. `owner` names the task
 * in messages about unknown values ("task \"load\"").
 */
export function parseTaskOptions(
  reporter: Reporter,
  options: Value | undefined,
  schema: z.ZodType,
  where: string,
  owner: string,
  site: Site,
): TaskOptionsModel | undefined {
  if (options === undefined || options.kind === "undefined") {
    options = { kind: "object", props: new Props() };
  }
  if (options.kind === "unknown") {
    reportUnknown(reporter, options, { what: `The options of ${where}`, hint: CONSTANT_HINT });
    return undefined;
  }
  if (options.kind !== "object") {
    reporter.report(
      DiagnosticCatalog.invalidTask,
      { message: `Options of ${where} must be an object, got ${describeValueKind(options)}.` },
      site,
    );
    return undefined;
  }
  if (options.havoc) {
    reportUnknown(reporter, options.havoc, { what: `The options of ${where}`, hint: CONSTANT_HINT });
    return undefined;
  }
  if (!checkOptions(reporter, options, schema, where, site)) return undefined;
  const reader = new OptionReader(reporter, options, where, site);
  let ok = true;
  const check = <T>(value: T | null): T | undefined => {
    if (value === null) {
      ok = false;
      return undefined;
    }
    return value;
  };
  const taskId = check(reader.id("taskId"));
  const outlets = check(reader.assetList("outlets", owner));
  const inlets = check(reader.assetList("inlets", owner));
  const retries = check(reader.integer("retries"));
  const retryDelay = check(reader.integer("retryDelay"));
  const executionTimeout = check(reader.integer("executionTimeout"));
  const after = options.props.get("after");
  const args = options.props.get("args");
  if (!ok) return undefined;
  return {
    taskId,
    outlets: outlets ?? NO_TARGETS,
    inlets: inlets ?? NO_TARGETS,
    retries: retries ?? 0,
    retryDelayMs: retryDelay ?? DEFAULT_RETRY_DELAY_MS,
    executionTimeoutMs: executionTimeout ?? null,
    after: after?.kind === "undefined" ? undefined : after,
    args: args?.kind === "undefined" ? undefined : args,
  };
}
