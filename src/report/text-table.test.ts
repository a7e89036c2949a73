import { describe, expect, it } from "vitest";
import { cellText, renderTable } from "./text-table.ts";

describe("text tables", () => {
  it("columns are as wide as their widest cell; numbers right-aligned, text left-aligned (golden)", () => {
    const out = renderTable([
      { name: "x64-desktop", ram: "16 GiB", nodes: 1 },
      { name: "x64-1tib", ram: "1 TiB", nodes: 4 },
    ]);
    expect(out).toBe(["name         ram     nodes", "-----------  ------  -----", "x64-desktop  16 GiB      1", "x64-1tib     1 TiB       4", ""].join("\n"));
  });

  it("a column list chooses and orders the columns; missing cells print as '-'", () => {
    const out = renderTable([{ a: 1, b: null }], { columns: ["b", "a", "c"] });
    expect(out.split("\n")[2]).toBe("-  1  -");
  });

  it("no rows and no columns render as an empty string", () => {
    expect(renderTable([])).toBe("");
  });

  it("cells: integers as is, fractions to at most 3 decimals, booleans as words", () => {
    expect(cellText(12)).toBe("12");
    expect(cellText(0.125)).toBe("0.125");
    expect(cellText(0.5)).toBe("0.5");
    expect(cellText(true)).toBe("true");
    expect(cellText(undefined)).toBe("-");
  });
});
