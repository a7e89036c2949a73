import { describe, expect, it } from "vitest";
import { describeLoadError } from "./load-error.ts";

const LIB = "/opt/n/node_modules/dmasim/dist";

describe("why a module did not load, in one line", () => {
  it("esbuild's multi-line transform failure becomes file:line:col (1-based) and the reason", () => {
    const e = new Error('Transform failed with 2 errors:\n/home/u/drv/x.ts:3:0: ERROR: Unexpected end of file\n/home/u/drv/x.ts:1:4: ERROR: Expected ";"');
    expect(describeLoadError(e, "/home/u/drv/x.ts", "/home/u/drv", LIB).message).toBe("x.ts:3:1: Unexpected end of file (and 1 more)");
  });

  it("a module that is not found names what required it", () => {
    const e = Object.assign(new Error("Cannot find module './helpers'\nRequire stack:\n- /home/u/drv/x.cts"), { code: "MODULE_NOT_FOUND" });
    expect(describeLoadError(e, "/home/u/drv/x.cts", "/home/u/drv", LIB).message).toBe("Cannot find module './helpers' (required by x.cts)");
  });

  it("a SyntaxError whose stack carries V8's location line uses it", () => {
    const e = new SyntaxError("The requested module 'node:fs' does not provide an export named 'nope'");
    e.stack = "file:///home/u/drv/e.mjs:1\nimport { nope } from 'node:fs';\n         ^^^^\nSyntaxError: The requested module...";
    expect(describeLoadError(e, "/home/u/drv/e.mjs", "/home/u/drv", LIB).message).toBe("e.mjs:1: SyntaxError: The requested module 'node:fs' does not provide an export named 'nope'");
  });
});
