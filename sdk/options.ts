import type { z } from "zod";
import { DefinitionError, ErrorCode } from "./errors.js";
import { describeValue, undefinedHint } from "./json.js";
import { surelyValid } from "./option-precheck.js";

/**
 * One problem with user options, as the SDK reports it: its stable code, the
 * message (what, where, how to fix), and the path of the option it is about
 * (empty when it is about the options as a whole). The SDK throws the first
 * one; the compiler reports each at the option's place in the source.
 */
export interface OptionProblem {
  readonly code: ErrorCode;
  readonly message: string;
  readonly path: readonly PropertyKey[];
  readonly details?: Record<string, unknown>;
}

/**
 * The problems of user options against a strict zod schema, each naming the
 * option, the owner (`where`) and the fix (with a "did you mean" for
 * misspelled keys). One rule for the SDK ({@link parseOptions}) and the compiler.
 *
 * @example
 * ```ts
 * optionProblems(dagOptionsSchema, { dagId: "etl", shedule: null }, 'dag "etl"')[0]?.message;
 * // 'Unknown option "shedule" in dag "etl". Did you mean "schedule"? Known options: ...'
 * ```
 */
export function optionProblems(schema: z.ZodType, input: unknown, where: string): OptionProblem[] {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return [
      {
        code: ErrorCode.optionInvalid,
        message: `Options of ${where} must be an object, got ${describeValue(input)}.`,
        path: [],
      },
    ];
  }
  // Nearly all options are valid: a quick verdict from the same schema spares zod's result objects.
  if (surelyValid(schema, input)) return [];
  const result = schema.safeParse(input);
  if (result.success) return [];
  if (result.error.issues.length === 0)
    return [{ code: ErrorCode.optionInvalid, message: `Invalid options of ${where}.`, path: [] }];
  return result.error.issues.flatMap((issue) => issueProblems(schema, issue, input, where));
}

function issueProblems(schema: z.ZodType, issue: z.core.$ZodIssue, input: object, where: string): OptionProblem[] {
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(schema);
    return issue.keys.map((key) => {
      const suggestion = closest(key, known);
      return {
        code: ErrorCode.optionUnknown,
        message: `Unknown option "${[...issue.path, key].join(".")}" in ${where}.${suggestion ? ` Did you mean "${suggestion}"?` : ""} Known options: ${known.join(", ")}.`,
        path: [...issue.path, key],
        details: { option: key, where },
      };
    });
  }
  const path = issue.path.map(String).join(".");
  const value = issue.path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown>)?.[key], input);
  const last = issue.path[issue.path.length - 1];
  if (value === undefined && typeof last === "number") {
    const option = issue.path.slice(0, -1).map(String).join(".");
    return [
      {
        code: ErrorCode.optionInvalid,
        message: `Invalid option "${option}" in ${where}: item ${last} is undefined, where it ${issue.message}.${undefinedHint(value)}`,
        path: issue.path,
        details: { option, where },
      },
    ];
  }
  if (value === undefined && issue.path.length > 0) {
    return [
      {
        code: ErrorCode.optionInvalid,
        message: `Missing required option "${path}" in ${where}: add ${path} to the options (${issue.message}).`,
        path: issue.path,
        details: { option: path, where },
      },
    ];
  }
  return [
    {
      code: ErrorCode.optionInvalid,
      message: `Invalid option "${path}" in ${where}: ${issue.message} (got ${describeOptionValue(value)}).`,
      path: issue.path,
      details: { option: path, where },
    },
  ];
}

/**
 * Validates user options against a strict zod schema and throws the first of
 * their {@link optionProblems} as a {@link DefinitionError}.
 *
 * @example
 * ```ts
 * const options = parseOptions(dagOptionsSchema, input, 'dag "etl"');
 * ```
 */
export function parseOptions<T extends z.ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success && typeof input === "object" && input !== null && !Array.isArray(input)) return result.data;
  const [problem] = optionProblems(schema, input, where);
  if (problem === undefined) return result.data as z.output<T>;
  throw new DefinitionError(problem.code, problem.message, problem.details ? { details: problem.details } : {});
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
