/**
 * Keyboard shortcuts, as data: a key (after an optional `g` prefix) maps to
 * an action the app performs. Typing in a form field never triggers one.
 */

/** What a shortcut does. */
export type ShortcutAction =
  | { readonly kind: "go"; readonly page: "dags" | "assets" | "lineage" }
  | { readonly kind: "focusSearch" }
  | { readonly kind: "help" }
  | { readonly kind: "close" };

/** The shortcuts, for the help dialog. */
export const SHORTCUTS: ReadonlyArray<{ readonly keys: string; readonly does: string }> = [
  { keys: "g d", does: "DAGs" },
  { keys: "g a", does: "Assets" },
  { keys: "g l", does: "Lineage" },
  { keys: "/", does: "Search on this page" },
  { keys: "↑ ↓", does: "Previous / next row of a table" },
  { keys: "Enter", does: "Open the focused row or node" },
  { keys: "?", does: "This help" },
  { keys: "Esc", does: "Close a dialog, clear the selection" },
];

/** A key press as the shortcut table sees it. */
export interface KeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  /** The focused element's tag name (`INPUT`, `TEXTAREA`, ...), upper case. */
  readonly targetTag: string;
  readonly targetEditable: boolean;
}

/**
 * The action of a key press after `pending` (the `g` prefix, or null), and the new pending prefix.
 *
 * @example
 * ```ts
 * shortcut(press("d"), "g"); // { action: { kind: "go", page: "dags" }, pending: null }
 * ```
 */
export function shortcut(
  press: KeyPress,
  pending: string | null,
): { action: ShortcutAction | null; pending: string | null } {
  if (press.ctrlKey || press.metaKey || press.altKey) return { action: null, pending: null };
  const typing = press.targetEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(press.targetTag);
  if (press.key === "Escape") return { action: { kind: "close" }, pending: null };
  if (typing) return { action: null, pending: null };
  if (pending === "g") {
    const page = ({ d: "dags", a: "assets", l: "lineage" } as const)[press.key as "d" | "a" | "l"];
    return { action: page ? { kind: "go", page } : null, pending: null };
  }
  if (press.key === "g") return { action: null, pending: "g" };
  if (press.key === "/") return { action: { kind: "focusSearch" }, pending: null };
  if (press.key === "?") return { action: { kind: "help" }, pending: null };
  return { action: null, pending: null };
}
