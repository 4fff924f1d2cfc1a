/**
 * The lint rule over bash command templates (AF4010): event data
 * (`triggering_asset_events`, `inlet_events`, `dag_run.conf`, `conf`,
 * `params`) interpolated into a command without the `shquote` filter is a
 * shell injection waiting to happen — an extra `x"; id; echo "y` runs `id`.
 */

/** Names whose values come from outside the DAG's code: events, run conf, params. */
const EVENT_DATA = /(?<![\w.])(triggering_asset_events|inlet_events|params|conf)\b|\bdag_run\s*\.\s*conf\b/;

/** `{{ expression }}` and `{% statement %}` tags, in order. */
const TAG = /\{\{([\s\S]*?)\}\}|\{%-?([\s\S]*?)-?%\}/g;

/**
 * The `{{ ... }}` expressions of a bash command template that interpolate
 * event data without ending in `| shquote`, as written. Names bound from event
 * data by `{% for x in ... %}` or `{% set x = ... %}` count as event data.
 *
 * @example
 * ```ts
 * unquotedEventData('echo "{{ (triggering_asset_events.values() | first | first).extra.note }}"');
 * // ["{{ (triggering_asset_events.values() | first | first).extra.note }}"]
 * unquotedEventData("echo {{ params.region | shquote }} {{ ds }}"); // []
 * ```
 */
export function unquotedEventData(template: string): string[] {
  const tainted: string[] = [];
  const isEventData = (text: string): boolean =>
    EVENT_DATA.test(text) || tainted.some((name) => new RegExp(`(?<![\\w.])${name}\\b`).test(text));
  const found: string[] = [];
  for (const match of template.matchAll(TAG)) {
    const [whole, expression, statement] = match;
    if (statement !== undefined) {
      const binding = /^\s*(?:for\s+([\w\s,]+?)\s+in\s+([\s\S]*)|set\s+(\w+)\s*=\s*([\s\S]*))$/.exec(statement);
      const names = binding?.[1] ?? binding?.[3];
      const source = binding?.[2] ?? binding?.[4];
      if (names !== undefined && source !== undefined && isEventData(source)) {
        tainted.push(
          ...names
            .split(",")
            .map((name) => name.trim())
            .filter((name) => /^\w+$/.test(name)),
        );
      }
      continue;
    }
    if (expression !== undefined && isEventData(expression) && !/\|\s*shquote\s*$/.test(expression)) {
      found.push(whole.trim());
    }
  }
  return found;
}
