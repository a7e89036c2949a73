import { describe, expect, it } from "vitest";
import { frameLocation, isUserFrame, parseStack, userFrames } from "./user-frames.ts";

const LIB = "/opt/n/node_modules/dmasim/dist";

describe("the user's frames of a stack", () => {
  const stack = [
    "RangeError: ring size 0",
    `    at configure (file:///home/u/drv/my-driver.ts:4:25)`,
    `    at Object.run (file:///home/u/drv/my-driver.ts?tsx-namespace=3:15:5)`,
    `    at executeScenario (file://${LIB}/cli/execute.js:60:35)`,
    `    at IoCallDriver (/opt/n/node_modules/dmasim/src/kernel/pnp.ts:50:1)`,
    "    at Object.transformer (file:///opt/n/node_modules/tsx/dist/require.mjs:9:2716)",
    "    at async ModuleJob.run (node:internal/modules/esm/module_job:325:25)",
    "    at new Promise (<anonymous>)",
  ].join("\n");

  it("parses file: URLs and plain paths, drops tsx query strings, skips native frames", () => {
    const f = parseStack(stack);
    expect(f.map((x) => `${x.fn}@${x.file}:${x.line}`)).toEqual([
      "configure@/home/u/drv/my-driver.ts:4",
      "Object.run@/home/u/drv/my-driver.ts:15",
      `executeScenario@${LIB}/cli/execute.js:60`,
      "IoCallDriver@/opt/n/node_modules/dmasim/src/kernel/pnp.ts:50",
      "Object.transformer@/opt/n/node_modules/tsx/dist/require.mjs:9",
      "ModuleJob.run@node:internal/modules/esm/module_job:325",
    ]);
  });

  it("keeps only frames outside the library (src/ and dist/), node: internals and node_modules", () => {
    const e = new RangeError("ring size 0");
    e.stack = stack;
    expect(userFrames(e, LIB).map((f) => f.fn)).toEqual(["configure", "Object.run"]);
    expect(isUserFrame({ fn: "", file: "/home/u/drv/src/x.ts", line: 1, column: 1 }, LIB)).toBe(true);
  });

  it("shows a location relative to the working folder when inside it, else absolute", () => {
    const f = { fn: "run", file: "/home/u/drv/my-driver.ts", line: 4, column: 25 };
    expect(frameLocation(f, "/home/u/drv")).toBe("my-driver.ts:4:25");
    expect(frameLocation(f, "/elsewhere")).toBe("/home/u/drv/my-driver.ts:4:25");
  });
});
