/**
 * A search box that reports its text after the user pauses typing, and
 * follows its value when the URL changes it.
 */
import { useEffect, useRef, useState } from "react";

/**
 * The search input of a page (`/` focuses it).
 *
 * @example
 * ```tsx
 * <DebouncedSearch value={filter.search} label="Search DAGs" onChange={(search) => navigate(...)} />
 * ```
 */
export function DebouncedSearch({
  value,
  label,
  placeholder,
  onChange,
  delayMs = 250,
}: {
  value: string;
  label: string;
  placeholder?: string;
  onChange: (value: string) => void;
  delayMs?: number;
}) {
  const [text, setText] = useState(value);
  const latest = useRef(onChange);
  latest.current = onChange;
  const typed = useRef(false);
  useEffect(() => {
    typed.current = false;
    setText(value);
  }, [value]);
  useEffect(() => {
    if (!typed.current) return;
    const timer = setTimeout(() => latest.current(text), delayMs);
    return () => clearTimeout(timer);
  }, [text, delayMs]);
  return (
    <input
      type="search"
      className="search"
      data-search=""
      aria-label={label}
      placeholder={placeholder ?? label}
      value={text}
      onChange={(event) => {
        typed.current = true;
        setText(event.target.value);
      }}
    />
  );
}
