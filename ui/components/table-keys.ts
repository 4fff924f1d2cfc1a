/**
 * Arrow keys in a table move the focus to the previous or next row's first
 * link or button (the rows are reachable with Tab too).
 */
import type { KeyboardEvent } from "react";

/**
 * A `onKeyDown` for a `<tbody>`.
 *
 * @example
 * ```tsx
 * <tbody onKeyDown={moveBetweenRows}>...</tbody>
 * ```
 */
export function moveBetweenRows(event: KeyboardEvent<HTMLElement>): void {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const row = (event.target as HTMLElement).closest("tr");
  if (!row) return;
  const next = (event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling) as HTMLElement | null;
  const focusable = next?.querySelector<HTMLElement>("a[href], button:not([disabled])");
  if (focusable) {
    event.preventDefault();
    focusable.focus();
  }
}
