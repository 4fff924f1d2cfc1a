/**
 * Small building blocks every page uses: state badges, JSON as text,
 * errors, loading lines, a pager, and time cells.
 */
import type { ReactNode } from "react";
import { ApiError } from "../api/client.js";
import { formatTime, jsonText, relativeTime } from "../model/format.js";

/**
 * A run or task state as a coloured badge with its name (colour is never the only cue).
 *
 * @example
 * ```tsx
 * <StateBadge state="success" />
 * ```
 */
export function StateBadge({ state, label }: { state: string; label?: string }) {
  return (
    <span className={`badge state-${cssState(state)}`} data-state={state}>
      {label ?? state.replace(/_/g, " ")}
    </span>
  );
}

/**
 * The CSS class suffix of a state (`up_for_retry` → `up-for-retry`).
 *
 * @example
 * ```ts
 * cssState("up_for_retry"); // "up-for-retry"
 * ```
 */
export function cssState(state: string): string {
  return state.replace(/[^a-z]+/gi, "-").toLowerCase();
}

/** A JSON value as text, in a scrollable block. */
export function JsonView({ value, className }: { value: unknown; className?: string }) {
  return <pre className={`json ${className ?? ""}`}>{jsonText(value)}</pre>;
}

/** A time as text with the exact time (UTC) in its tooltip. */
export function TimeText({ iso, now, relative = false }: { iso: string | null; now: number; relative?: boolean }) {
  if (iso === null) return <span className="muted">–</span>;
  return (
    <time dateTime={iso} title={`${formatTime(iso)} UTC`}>
      {relative ? relativeTime(iso, now) : formatTime(iso)}
    </time>
  );
}

/** A failed request, with the API's message. */
export function ErrorBox({ error, children }: { error: unknown; children?: ReactNode }) {
  const message = error instanceof Error ? error.message : String(error);
  const status = error instanceof ApiError && error.status > 0 ? ` (${error.status})` : "";
  return (
    <div className="error-box" role="alert">
      <strong>Could not load{status}.</strong> {message}
      {children}
    </div>
  );
}

/** A placeholder while data loads. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="muted loading" aria-busy="true">
      Loading {what}…
    </p>
  );
}

/** An empty list's message. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="muted empty">{children}</p>;
}

/**
 * Page links: previous, `page / pages`, next.
 *
 * @example
 * ```tsx
 * <Pager page={2} pages={10} onPage={(page) => navigate({ ...route, filter: { ...filter, page } })} />
 * ```
 */
export function Pager({
  page,
  pages,
  onPage,
  label,
}: {
  page: number;
  pages: number;
  onPage: (page: number) => void;
  label: string;
}) {
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ← Previous
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next →
      </button>
    </nav>
  );
}
