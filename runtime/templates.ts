/**
 * Operator templates: nunjucks (Jinja syntax) over the seed's snake_case
 * context names (`ds`, `data_interval_start`, `triggering_asset_events`, ...).
 */
import nunjucks from "nunjucks";
import type { AssetEvent, JsonObject, OperatorLike, TaskContext, TriggeringKey } from "../sdk/index.js";
import { describeValue } from "../sdk/json.js";
import { RuntimeErrorCode, TaskRuntimeError } from "./errors.js";

/**
 * The source run of an event, as templates see it (dates as ISO strings, `""` when unknown).
 *
 * @example
 * ```ts
 * renderTemplate("{{ (triggering_asset_events.values() | first | first).source_dag_run.run_id }}", context);
 * ```
 */
export interface TemplateSourceDagRun {
  readonly dag_id: string;
  readonly run_id: string;
  readonly run_type: string;
  readonly logical_date: string;
  readonly data_interval_start: string;
  readonly data_interval_end: string;
}

/**
 * An asset event, as templates see it: the SDK's `AssetEvent` in snake_case.
 *
 * @example
 * ```ts
 * renderTemplate("{% for e in triggering_asset_events.values() | first %}{{ e.extra.rows }} {% endfor %}", context);
 * ```
 */
export interface TemplateAssetEvent {
  readonly id: number;
  readonly uri: string;
  readonly name: string;
  readonly extra: Readonly<JsonObject>;
  readonly timestamp: string;
  readonly source_dag_id: string | null;
  readonly source_task_id: string | null;
  readonly source_run_id: string | null;
  readonly source_map_index: number | null;
  readonly source_aliases: readonly string[];
  readonly source_dag_run: TemplateSourceDagRun | null;
  /** What the consumer's URI patterns captured from the asset's URI (`{{ e.captures.date }}`). */
  readonly captures: Readonly<Record<string, string>>;
}

/**
 * A key of `triggering_asset_events`: renders as `Asset(uri)` or `AssetAlias(name)`.
 *
 * @example
 * ```ts
 * renderTemplate("{{ triggering_asset_events.keys() | join(', ') }}", context); // "Asset(s3://b/orders)"
 * ```
 */
export type TemplateTriggeringKey = TriggeringKey & { toString(): string };

/**
 * `triggering_asset_events` in templates: Python-dict-like methods returning
 * arrays, so `{{ (triggering_asset_events.values() | first | first).source_dag_run.data_interval_start }}`
 * works as in the seed.
 *
 * @example
 * ```ts
 * renderTemplate("{% for key, events in triggering_asset_events.items() %}{{ key }}: {{ events | length }}{% endfor %}", context);
 * ```
 */
export interface TemplateTriggeringAssetEvents {
  keys(): TemplateTriggeringKey[];
  values(): TemplateAssetEvent[][];
  items(): [TemplateTriggeringKey, TemplateAssetEvent[]][];
}

/**
 * The names templates see, as in the seed's templates reference. Dates are
 * ISO strings, or `""` when the run has none.
 *
 * @example
 * ```ts
 * renderTemplate("{{ dag_run.run_id }} covers {{ data_interval_start }} to {{ data_interval_end }}", context);
 * ```
 */
export interface TemplateContext {
  /** The logical date as `YYYY-MM-DD`. */
  readonly ds: string;
  /** The logical date as `YYYYMMDD`. */
  readonly ds_nodash: string;
  /** The logical date as an ISO timestamp. */
  readonly ts: string;
  /** The logical date as `YYYYMMDDTHHMMSS`. */
  readonly ts_nodash: string;
  readonly logical_date: string;
  readonly data_interval_start: string;
  readonly data_interval_end: string;
  readonly run_id: string;
  readonly params: Readonly<JsonObject>;
  readonly conf: Readonly<JsonObject>;
  readonly dag: { readonly dag_id: string };
  readonly task: { readonly task_id: string };
  readonly dag_run: {
    readonly dag_id: string;
    readonly run_id: string;
    readonly run_type: string;
    readonly logical_date: string;
    readonly data_interval_start: string;
    readonly data_interval_end: string;
    readonly conf: Readonly<JsonObject>;
  };
  readonly ti: {
    readonly dag_id: string;
    readonly task_id: string;
    readonly run_id: string;
    readonly try_number: number;
    readonly map_index: number;
  };
  readonly triggering_asset_events: TemplateTriggeringAssetEvents;
  /**
   * The captures of the run's newest triggering event whose asset matched a
   * URI pattern of the schedule (`{{ captures.date }}`); `{}` when none did.
   * With `consume: "each"` that is the run's one event.
   */
  readonly captures: Readonly<Record<string, string>>;
}

/**
 * The template context of a running task.
 *
 * @example
 * ```ts
 * const context = createTemplateContext(ctx);
 * renderTemplate("SELECT * FROM t WHERE day = '{{ ds }}'", context); // "... day = '2024-01-01'"
 * ```
 */
export function createTemplateContext(ctx: TaskContext): TemplateContext {
  const logical = iso(ctx.logicalDate);
  const dataIntervalStart = iso(ctx.dataIntervalStart);
  const dataIntervalEnd = iso(ctx.dataIntervalEnd);
  const entries = [...ctx.triggeringAssetEvents.entries()].map(
    ([key, events]) => [templateKey(key), events.map(templateEvent)] as [TemplateTriggeringKey, TemplateAssetEvent[]],
  );
  const newestCaptured = entries
    .filter(([key]) => key.kind === "asset")
    .flatMap(([, events]) => events)
    .filter((event) => Object.keys(event.captures).length > 0)
    .sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.id - b.id)
    .at(-1);
  return {
    ds: logical.slice(0, 10),
    ds_nodash: logical.slice(0, 10).replaceAll("-", ""),
    ts: logical,
    ts_nodash: logical.slice(0, 19).replaceAll("-", "").replaceAll(":", ""),
    logical_date: logical,
    data_interval_start: dataIntervalStart,
    data_interval_end: dataIntervalEnd,
    run_id: ctx.runId,
    params: ctx.params,
    conf: ctx.conf,
    dag: { dag_id: ctx.dagId },
    task: { task_id: ctx.taskId },
    dag_run: {
      dag_id: ctx.dagId,
      run_id: ctx.runId,
      run_type: ctx.runType,
      logical_date: logical,
      data_interval_start: dataIntervalStart,
      data_interval_end: dataIntervalEnd,
      conf: ctx.conf,
    },
    ti: {
      dag_id: ctx.dagId,
      task_id: ctx.taskId,
      run_id: ctx.runId,
      try_number: ctx.tryNumber,
      map_index: ctx.mapIndex,
    },
    triggering_asset_events: {
      keys: () => entries.map(([key]) => key),
      values: () => entries.map(([, events]) => events),
      items: () => entries.map(([key, events]) => [key, events]),
    },
    captures: newestCaptured?.captures ?? {},
  };
}

const environment = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false });
environment.addFilter("tojson", (value: unknown) => JSON.stringify(value));
environment.addFilter("ds_format", dsFormat);
environment.addFilter("shquote", shquote);
// Jinja's `first` and `last` tolerate an empty or missing sequence; nunjucks' throw.
environment.addFilter("first", (value: unknown) => (value == null ? undefined : [...toIterable(value)][0]));
environment.addFilter("last", (value: unknown) => (value == null ? undefined : [...toIterable(value)].at(-1)));

/**
 * Renders one template (Jinja syntax) with nunjucks: no autoescaping, and an
 * undefined name renders as empty. Filters beyond nunjucks' own: `tojson`,
 * `shquote` (see {@link shquote}) and `ds_format(value, input = "%Y-%m-%d", output = "%Y-%m-%d")`.
 *
 * @example
 * ```ts
 * renderTemplate("{{ ds_nodash }}-{{ params.region }}", context); // "20240101-eu"
 * renderTemplate("{{ ds | ds_format('%Y-%m-%d', '%d/%m/%Y') }}", context); // "01/01/2024"
 * ```
 */
export function renderTemplate(source: string, context: TemplateContext): string {
  if (!/\{[{%#]/.test(source)) return source;
  return environment.renderString(source, context);
}

/**
 * A shallow copy of `operator` whose template fields (the names in its class's
 * static `templateFields`) are rendered: strings, and strings inside arrays
 * and plain objects. The operator itself is never changed; the runtime calls
 * `execute` on the copy. A template that fails to render throws a
 * {@link TaskRuntimeError} naming the task and the field.
 *
 * @example
 * ```ts
 * const rendered = renderTemplateFields(bashOperator, createTemplateContext(ctx));
 * rendered.bashCommand; // "echo 2024-01-01" for "echo {{ ds }}"
 * ```
 */
export function renderTemplateFields<T extends OperatorLike>(operator: T, context: TemplateContext): T {
  const fields = (operator.constructor as { templateFields?: unknown }).templateFields;
  if (!Array.isArray(fields) || fields.length === 0) return operator;
  const descriptors: PropertyDescriptorMap = Object.getOwnPropertyDescriptors(operator);
  for (const field of fields) {
    const descriptor = typeof field === "string" ? descriptors[field] : undefined;
    if (descriptor === undefined || !("value" in descriptor)) continue;
    try {
      descriptors[field] = { ...descriptor, value: renderValue(descriptor.value, context) };
    } catch (error) {
      throw new TaskRuntimeError(
        RuntimeErrorCode.templateInvalid,
        `Template field "${field}" of task "${operator.taskId}" failed to render: ${(error as Error).message}`,
        { cause: error, details: { taskId: operator.taskId, field } },
      );
    }
  }
  return Object.create(Object.getPrototypeOf(operator), descriptors) as T;
}

function renderValue(value: unknown, context: TemplateContext): unknown {
  if (typeof value === "string") return renderTemplate(value, context);
  if (Array.isArray(value)) return value.map((item) => renderValue(item, context));
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item, context)]));
  }
  return value;
}

/**
 * The `shquote` template filter: `value` as one shell word, in single quotes
 * (a `'` inside becomes `'\''`), so event data rendered into a bash command
 * is data, never code. Strings are quoted as they are, `null`/`undefined` as
 * `''`, other values as their JSON.
 *
 * @example
 * ```ts
 * renderTemplate("echo {{ e.extra.note | shquote }}", context); // echo 'x"; id; echo "y'
 * shquote("it's"); // 'it'\''s'
 * ```
 */
export function shquote(value: unknown): string {
  const text = value == null ? "" : typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function templateKey(key: TriggeringKey): TemplateTriggeringKey {
  const text =
    key.kind === "asset"
      ? `Asset(${key.uri})`
      : key.kind === "alias"
        ? `AssetAlias(${key.name})`
        : `Asset.pattern(${key.pattern})`;
  return { ...key, toString: () => text };
}

function templateEvent(event: AssetEvent): TemplateAssetEvent {
  const run = event.sourceDagRun;
  return {
    id: event.id,
    uri: event.asset.uri,
    name: event.asset.name,
    extra: event.extra,
    timestamp: iso(event.timestamp),
    source_dag_id: event.sourceDagId,
    source_task_id: event.sourceTaskId,
    source_run_id: event.sourceRunId,
    source_map_index: event.sourceMapIndex,
    source_aliases: event.sourceAliases,
    captures: event.captures,
    source_dag_run:
      run === null
        ? null
        : {
            dag_id: run.dagId,
            run_id: run.runId,
            run_type: run.runType,
            logical_date: iso(run.logicalDate),
            data_interval_start: iso(run.dataIntervalStart),
            data_interval_end: iso(run.dataIntervalEnd),
          },
  };
}

function iso(date: Date | null): string {
  return date === null ? "" : date.toISOString();
}

function toIterable(value: unknown): Iterable<unknown> {
  if (typeof value === "string" || Array.isArray(value)) return value;
  if (typeof value === "object" && value !== null && Symbol.iterator in value) return value as Iterable<unknown>;
  throw new TypeError(`expected a sequence, got ${describeValue(value)}`);
}

const DATE_PARTS = { Y: 4, m: 2, d: 2, H: 2, M: 2, S: 2 } as const;
type DatePart = keyof typeof DATE_PARTS;

/**
 * Airflow's `ds_format`: parses `value` with the strftime-style `input`
 * format and prints it with `output`. Supports `%Y %m %d %H %M %S %%` (UTC).
 */
function dsFormat(value: unknown, input = "%Y-%m-%d", output = "%Y-%m-%d"): string {
  const text = String(value);
  const order: DatePart[] = [];
  const pattern = input.replace(/%(.)|[.*+?^${}()|[\]\\]/g, (match, directive: string | undefined) => {
    if (directive === undefined) return `\\${match}`;
    if (directive === "%") return "%";
    if (!(directive in DATE_PARTS)) throw new Error(`ds_format does not support %${directive}`);
    order.push(directive as DatePart);
    return `(\\d{${DATE_PARTS[directive as DatePart]}})`;
  });
  const match = new RegExp(`^${pattern}$`).exec(text);
  if (!match) throw new Error(`ds_format: ${JSON.stringify(text)} does not match the format ${JSON.stringify(input)}`);
  const parts: Record<DatePart, number> = { Y: 1970, m: 1, d: 1, H: 0, M: 0, S: 0 };
  order.forEach((part, index) => {
    parts[part] = Number(match[index + 1]);
  });
  return output.replace(/%(.)/g, (_whole, directive: string) => {
    if (directive === "%") return "%";
    if (!(directive in DATE_PARTS)) throw new Error(`ds_format does not support %${directive}`);
    return String(parts[directive as DatePart]).padStart(DATE_PARTS[directive as DatePart], "0");
  });
}
