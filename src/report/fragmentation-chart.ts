/**
 * Chart data for a fragmentation study: from its "successRates" table (one
 * row per size x uptime x IRQL x request style, columns sizeBytes, uptime,
 * irql, request, rate) to one panel per IRQL x request style with one line
 * per uptime (success rate against request size).
 */
import type { Row } from "../scenarios/scenario.ts";

export interface FragmentationPanel {
  readonly title: string;
  readonly lines: readonly { readonly label: string; readonly points: readonly (readonly [number, number])[] }[];
}

export function fragmentationPanels(rows: readonly Row[] | undefined): FragmentationPanel[] | null {
  if (rows === undefined || rows.length === 0) return null;
  const panels = new Map<string, Map<string, [number, number][]>>();
  for (const r of rows) {
    const size = r["sizeBytes"];
    const rate = r["rate"];
    if (typeof size !== "number" || typeof rate !== "number") continue;
    const title = `${String(r["irql"])} · ${String(r["request"])}`;
    const line = `uptime ${String(r["uptime"])}`;
    let p = panels.get(title);
    if (p === undefined) {
      p = new Map();
      panels.set(title, p);
    }
    let pts = p.get(line);
    if (pts === undefined) {
      pts = [];
      p.set(line, pts);
    }
    pts.push([size, rate]);
  }
  if (panels.size === 0) return null;
  return [...panels].map(([title, lines]) => ({ title, lines: [...lines].map(([label, points]) => ({ label, points: points.sort((a, b) => a[0] - b[0]) })) }));
}
