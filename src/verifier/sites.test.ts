import { describe, expect, it } from "vitest";
import { callerLocation, isLibraryFile, packageRootOf, parseFrame, SiteTable, siteOfStack } from "./sites.ts";

const ROOT = "/home/u/proj/node_modules/dmasim/";

function stack(...frames: string[]): string {
  return ["Error", ...frames.map((f) => `    at ${f}`)].join("\n");
}

describe("allocation sites: the first frame outside the library, wherever the library is", () => {
  it("the package root is found from this module's own URL (src/ or dist/, any folder name above)", () => {
    expect(packageRootOf("file:///home/u/proj/node_modules/dmasim/dist/verifier/sites.js")).toBe(ROOT);
    expect(packageRootOf("file:///work/main/src/verifier/sites.ts")).toBe("/work/main/");
    expect(packageRootOf("file:///C:/Users/u/dmasim/dist/verifier/sites.js")).toBe("C:/Users/u/dmasim/");
    expect(packageRootOf("file:///tmp/my%20folder/dmasim/dist/verifier/sites.js")).toBe("/tmp/my folder/dmasim/");
  });

  it("library frames are src/ and dist/ of that root, except the built-in scenarios and the steps runner (drivers)", () => {
    expect(isLibraryFile(`${ROOT}dist/verifier/sites.js`, ROOT)).toBe(true);
    expect(isLibraryFile(`file://${ROOT}dist/hal/common-buffer.js`, ROOT)).toBe(true);
    expect(isLibraryFile(`${ROOT}src/hal/common-buffer.ts`, ROOT)).toBe(true);
    expect(isLibraryFile(`${ROOT}dist/cli/execute.js`, ROOT)).toBe(true);
    expect(isLibraryFile(`${ROOT}dist/trace/attach.js`, ROOT)).toBe(true);
    expect(isLibraryFile("node:internal/modules/esm/module_job", ROOT)).toBe(true);
    expect(isLibraryFile(`${ROOT}dist/scenarios/plx-driver.js`, ROOT)).toBe(false);
    expect(isLibraryFile(`${ROOT}dist/cli/steps-scenario.js`, ROOT)).toBe(false);
    expect(isLibraryFile(`${ROOT}src/verifier/hal-rules.test.ts`, ROOT)).toBe(false);
    expect(isLibraryFile(`${ROOT}src/verifier/test-machine.ts`, ROOT)).toBe(false);
    expect(isLibraryFile(`${ROOT}test/fixtures/buffers-scenario.ts`, ROOT)).toBe(false);
    // A user's file that merely lives under a folder called src/ is the user's.
    expect(isLibraryFile("/home/u/proj/src/hal/my-driver.ts", ROOT)).toBe(false);
  });

  it("frames are parsed with and without a function name, file: URLs and query strings (tsx namespaces)", () => {
    expect(parseFrame("    at Object.run (file:///tmp/x/my-driver.ts?tsx-namespace=1733:12:9)")).toEqual({ fn: "Object.run", file: "/tmp/x/my-driver.ts", line: 12, column: 9 });
    expect(parseFrame("    at /tmp/x/drv.cts:3:1")).toEqual({ fn: "", file: "/tmp/x/drv.cts", line: 3, column: 1 });
    expect(parseFrame("    at C:\\Users\\u\\drv.ts:3:1")?.file).toBe("C:/Users/u/drv.ts");
    expect(parseFrame("    at new Promise (<anonymous>)")).toBeNull();
  });

  it("the site of a built package's stack is the user's line, not sites.js (SiteTable.siteFor)", () => {
    const s = stack(
      `SiteTable.siteFor (file://${ROOT}dist/verifier/sites.js:20:29)`,
      `Verifier.onCommonBufferAllocated (file://${ROOT}dist/verifier/verifier.js:160:31)`,
      `allocateCommonBuffer (file://${ROOT}dist/hal/common-buffer.js:90:5)`,
      "d.MajorFunction.<computed> (file:///tmp/u/my-driver.ts:32:32)",
      `IoCallDriver (file://${ROOT}dist/kernel/pnp.js:50:12)`,
      `executeScenario (file://${ROOT}dist/cli/execute.js:60:35)`,
    );
    expect(siteOfStack(s, ROOT)).toBe("u/my-driver.ts:32:32 (d.MajorFunction.<computed>)");
  });

  it("a user frame with a tsx namespace query is still the site (not the command's execute.ts)", () => {
    const s = stack(`SiteTable.siteFor (${ROOT}src/verifier/sites.ts:20:29)`, "Object.run (file:///tmp/u/my-driver.ts?tsx-namespace=99:14:7)", `executeScenario (${ROOT}src/cli/execute.ts:60:35)`);
    expect(siteOfStack(s, ROOT)).toBe("u/my-driver.ts:14:7 (Object.run)");
  });

  it("a built-in scenario's driver line is the site; a stack of library frames only is an unknown site", () => {
    expect(siteOfStack(stack(`x (${ROOT}dist/hal/common-buffer.js:1:1)`, `PlxEvtDeviceAdd (${ROOT}dist/scenarios/plx-driver.js:200:9)`), ROOT)).toBe("scenarios/plx-driver.js:200:9 (PlxEvtDeviceAdd)");
    expect(siteOfStack(stack(`x (${ROOT}dist/hal/common-buffer.js:1:1)`, "processTicksAndRejections (node:internal/process/task_queues:95:5)"), ROOT)).toBe("unknown site");
  });

  it("captured here (a test plays the driver), the site names this test file", () => {
    const site = (() => callerLocation())();
    expect(site).toMatch(/^verifier\/sites\.test\.ts:\d+:\d+/);
  });

  it("a SiteTable captures once per key and names each site", () => {
    const t = new SiteTable();
    const a = t.siteFor(1);
    const b = t.siteFor(2);
    expect(t.siteFor(1)).toBe(a);
    expect(b).not.toBe(a);
    expect(t.name(a)).toMatch(/sites\.test\.ts:\d+/);
    expect(t.name(99)).toBe("unknown site");
  });
});
