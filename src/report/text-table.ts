/**
 * Plain-text tables for the terminal: columns sized to their widest cell,
 * numbers right-aligned, text left-aligned. Pure (a string out), so golden
 * tests can pin the exact output.
 */

/** One cell of a text table. */
export type Cell = string | number | boolean | null | undefined;

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** Column headers; default: the keys of the first row. */
  readonly columns?: readonly string[];
  /** Columns to right-align; default: columns whose cells are all numbers. */
  readonly rightAlign?: readonly string[];
  /** Text between columns; default two spaces. */
  readonly gap?: string;
}

export function cellText(v: Cell): string {
  if (v === null || v === undefined) return "-";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(3).replace(/\.?0+$/, "");
  return String(v);
}

/** Render rows as an aligned table with a header and a rule line. Returns "" for no rows and no columns. */
export function renderTable(rows: readonly Readonly<Record<string, Cell>>[], options: TableOptions = {}): string {
  const columns = options.columns ?? Object.keys(rows[0] ?? {});
  if (columns.length === 0) return "";
  const gap = options.gap ?? "  ";
  const right = new Set(options.rightAlign ?? columns.filter((c) => rows.length > 0 && rows.every((r) => typeof r[c] === "number")));
  const text = rows.map((r) => columns.map((c) => cellText(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((t) => (t[i] as string).length)));
  const fmt = (cells: readonly string[]): string =>
    cells
      .map((s, i) => {
        const w = widths[i] as number;
        return right.has(columns[i] as string) ? s.padStart(w) : s.padEnd(w);
      })
      .join(gap)
      .trimEnd();
  const lines = [fmt(columns), widths.map((w) => "-".repeat(w)).join(gap), ...text.map(fmt)];
  return lines.join("\n") + "\n";
}
