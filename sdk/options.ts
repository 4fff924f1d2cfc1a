import type { z } from "zod";
import { DefinitionError, ErrorCode } from "./errors.js";
import { describeValue, undefinedHint } from "./json.js";

/**
 * Validates user options against a strict zod schema and turns the first
 * problem into a {@link DefinitionError} that names the option, the owner and
 * the fix (with a "did you mean" for misspelled keys).
 *
 * @example
 * ```ts
 * const options = parseOptions(dagOptionsSchema, input, 'dag "etl"');
 * ```
 */
export function parseOptions<T extends z.ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new DefinitionError(
      ErrorCode.optionInvalid,
      `Options of ${where} must be an object, got ${describeValue(input)}.`,
    );
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new DefinitionError(ErrorCode.optionInvalid, `Invalid options of ${where}.`);
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    const known = knownKeys(schema);
    const suggestion = closest(key, known);
    throw new DefinitionError(
      ErrorCode.optionUnknown,
      `Unknown option "${[...issue.path, key].join(".")}" in ${where}.${suggestion ? ` Did you mean "${suggestion}"?` : ""} Known options: ${known.join(", ")}.`,
      { details: { option: key, where } },
    );
  }
  const path = issue.path.map(String).join(".");
  const value = issue.path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown>)?.[key], input);
  const last = issue.path[issue.path.length - 1];
  if (value === undefined && typeof last === "number") {
    const option = issue.path.slice(0, -1).map(String).join(".");
    throw new DefinitionError(
      ErrorCode.optionInvalid,
      `Invalid option "${option}" in ${where}: item ${last} is undefined, where it ${issue.message}.${undefinedHint(value)}`,
      { details: { option, where } },
    );
  }
  if (value === undefined && issue.path.length > 0) {
    throw new DefinitionError(
      ErrorCode.optionInvalid,
      `Missing required option "${path}" in ${where}: add ${path} to the options (${issue.message}).`,
      { details: { option: path, where } },
    );
  }
  throw new DefinitionError(
    ErrorCode.optionInvalid,
    `Invalid option "${path}" in ${where}: ${issue.message} (got ${describeOptionValue(value)}).`,
    { details: { option: path, where } },
  );
}

/** Numbers and booleans are shown as written; other values by their kind. */
function describeOptionValue(value: unknown): string {
  return typeof value === "number" || typeof value === "boolean" ? String(value) : describeValue(value);
}

function knownKeys(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

/** The known key closest to `key` by edit distance, when it is close enough to be a typo. */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
