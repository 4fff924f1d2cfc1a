/**
 * The trigger form's conf: JSON text checked before it is sent, with a
 * message that says what is wrong.
 */

/** A checked conf, or why it is refused. */
export type ParsedConf =
  | { readonly ok: true; readonly conf: Record<string, unknown> }
  | { readonly ok: false; readonly message: string };

/**
 * Parses the conf text: empty means `{}`; anything else must be a JSON object.
 *
 * @example
 * ```ts
 * parseConf('{"day": "2025-01-01"}'); // { ok: true, conf: { day: "2025-01-01" } }
 * ```
 */
export function parseConf(text: string): ParsedConf {
  if (text.trim() === "") return { ok: true, conf: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `Conf is not valid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, message: 'Conf must be a JSON object, like {"key": "value"}.' };
  }
  return { ok: true, conf: value as Record<string, unknown> };
}

/**
 * The conf text a form starts with: the DAG's params as JSON, or `{}`.
 *
 * @example
 * ```ts
 * initialConf({ day: "today" }); // '{\n  "day": "today"\n}'
 * ```
 */
export function initialConf(params: Record<string, unknown>): string {
  return Object.keys(params).length === 0 ? "{}" : JSON.stringify(params, null, 2);
}
