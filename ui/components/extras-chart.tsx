/**
 * Numeric extras of an asset's events plotted over time with uPlot (a small
 * canvas chart library), one series per key, with a table fallback for
 * screen readers.
 */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import type { ExtraSeries } from "../model/extras.js";

/** Series colours with at least 3:1 contrast on white. */
const COLOURS = ["#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#9d174d"];

/**
 * The chart of numeric extras.
 *
 * @example
 * ```tsx
 * <ExtrasChart data={numericExtraSeries(events)} />
 * ```
 */
export function ExtrasChart({
  data,
  width = 720,
  height = 240,
}: {
  data: ExtraSeries;
  width?: number;
  height?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element || data.series.length === 0 || data.times.length === 0) return;
    const plot = new uPlot(
      {
        width: Math.max(320, Math.min(width, element.clientWidth || width)),
        height,
        scales: { x: { time: true } },
        axes: [{ stroke: "#334155" }, { stroke: "#334155" }],
        series: [
          {},
          ...data.series.map((series, index) => ({
            label: series.key,
            stroke: COLOURS[index % COLOURS.length] as string,
            width: 2,
            points: { show: true, size: 5 },
            spanGaps: true,
          })),
        ],
      },
      [data.times as number[], ...data.series.map((series) => series.values as Array<number | null>)],
      element,
    );
    return () => plot.destroy();
  }, [data, width, height]);
  if (data.series.length === 0) return <p className="muted">No numeric extras to plot.</p>;
  return (
    <figure className="chart">
      <div ref={box} role="img" aria-label={`Numeric extras over time: ${data.series.map((s) => s.key).join(", ")}`} />
      <figcaption className="visually-hidden">
        {data.series.map((series) => `${series.key}: ${series.values.filter((v) => v !== null).join(", ")}`).join("; ")}
      </figcaption>
    </figure>
  );
}
