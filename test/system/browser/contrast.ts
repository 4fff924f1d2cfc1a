/// <reference lib="dom" />
/**
 * A WCAG AA contrast audit of what a page shows, run in the browser: every
 * visible element with its own text, its computed colour against the
 * background it is drawn on (the nearest opaque backgrounds below it,
 * composited), needs 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold).
 * Text over an image or a canvas is left out (no single background).
 */

/** A text below the contrast it needs. */
export interface ContrastFailure {
  readonly text: string;
  readonly element: string;
  readonly color: string;
  readonly background: string;
  readonly ratio: number;
  readonly needed: number;
}

/**
 * The audit, as a function `page.evaluate` runs in the page (self-contained:
 * it may use nothing from this module's scope).
 *
 * @example
 * ```ts
 * const failures = await page.evaluate(auditContrast);
 * ```
 */
export function auditContrast(): ContrastFailure[] {
  type Rgba = [number, number, number, number];
  const parse = (value: string): Rgba | null => {
    const match = /rgba?\(([^)]+)\)/.exec(value);
    if (!match?.[1]) return null;
    const parts = match[1]
      .split(/[\s,/]+/)
      .filter(Boolean)
      .map(Number);
    return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
  };
  const over = (top: Rgba, bottom: Rgba): Rgba => {
    const a = top[3];
    return [top[0] * a + bottom[0] * (1 - a), top[1] * a + bottom[1] * (1 - a), top[2] * a + bottom[2] * (1 - a), 1];
  };
  const luminance = ([r, g, b]: Rgba) => {
    const channel = (c: number) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const ratioOf = (a: Rgba, b: Rgba) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  };
  /** The background an element is drawn on, or null when an image or canvas is under it. */
  const backgroundOf = (element: Element): Rgba | null => {
    const layers: Rgba[] = [];
    for (let node: Element | null = element; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage !== "none" || node.tagName === "CANVAS") return null;
      const color = parse(style.backgroundColor);
      if (color && color[3] > 0) {
        layers.push(color);
        if (color[3] >= 1) break;
      }
    }
    let result: Rgba = [255, 255, 255, 1];
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  };
  const failures: ContrastFailure[] = [];
  for (const element of Array.from(document.querySelectorAll("body *"))) {
    const own = Array.from(element.childNodes)
      .filter((node) => node.nodeType === Node.TEXT_NODE)
      .map((node) => node.textContent ?? "")
      .join("")
      .trim();
    if (own === "" || element.closest("svg, canvas, noscript, script, style")) continue;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (style.visibility !== "visible" || Number(style.opacity) === 0 || box.width === 0 || box.height === 0) continue;
    // Hidden for screen readers only (1 px, clipped): not drawn.
    if (box.width <= 1 && box.height <= 1) continue;
    const background = backgroundOf(element);
    const foreground = parse(style.color);
    if (!background || !foreground) continue;
    const color = over(foreground, background);
    const size = Number.parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    const ratio = ratioOf(color, background);
    if (ratio + 0.005 < needed) {
      failures.push({
        text: own.slice(0, 40),
        element: `${element.tagName.toLowerCase()}${element.className && typeof element.className === "string" ? `.${element.className.trim().split(/\s+/).join(".")}` : ""}`,
        color: style.color,
        background: `rgb(${background.slice(0, 3).map(Math.round).join(", ")})`,
        ratio: Math.round(ratio * 100) / 100,
        needed,
      });
    }
  }
  return failures;
}
