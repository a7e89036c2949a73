import { describe, expect, it } from "vitest";
import { resultProblem } from "./execute.ts";

describe("a run() result", () => {
  it("is a ScenarioResult only with ok (boolean) and summary (array); else says what it returned", () => {
    expect(resultProblem({ ok: true, summary: [] })).toBeUndefined();
    expect(resultProblem(undefined)).toBe("returned nothing");
    expect(resultProblem(null)).toBe("returned null");
    expect(resultProblem(3)).toBe("returned a number");
    expect(resultProblem({ summary: [] })).toBe("returned a result without ok (true or false)");
    expect(resultProblem({ ok: false, summary: "x" })).toBe("returned a result without summary (an array of lines)");
  });
});
