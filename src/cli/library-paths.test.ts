import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { dmasimRootOf, exportTarget, mapIntoOwn, ownLibrary, type OwnLibrary, shouldRunAsModule } from "./library-paths.ts";

/** A package folder with src/ and dist/ files (only names matter) and a package.json. */
function fakePackage(name: string, files: readonly string[], exportsMap?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "dmasim-paths-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, type: "module", ...(exportsMap === undefined ? {} : { exports: exportsMap }) }));
  for (const f of files) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), "");
  }
  return dir;
}

const EXPORTS = { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" }, "./package.json": "./package.json" };
const FILES = ["src/index.ts", "src/kernel/kernel.ts", "dist/index.js", "dist/kernel/kernel.js", "src/only-in-src.ts"];

function own(dir: string, ext: ".ts" | ".js"): OwnLibrary {
  return ownLibrary(pathToFileURL(join(dir, ext === ".ts" ? "src" : "dist", "cli", `library-paths${ext}`)).href);
}

describe("naming the library: every way maps onto the command's own copy", () => {
  it("the command's own library is found from its module URL: root, src/ or dist/, entry", () => {
    const dir = fakePackage("dmasim", FILES, EXPORTS);
    expect(own(dir, ".js")).toEqual({ root: dir, libDir: join(dir, "dist"), ext: ".js", entry: join(dir, "dist/index.js") });
    expect(own(dir, ".ts").entry).toBe(join(dir, "src/index.ts"));
  });

  it('"dmasim" and its exported subpaths resolve through the exports map; from source, to src/', () => {
    const dir = fakePackage("dmasim", FILES, EXPORTS);
    expect(exportTarget("dmasim", own(dir, ".js"))).toBe(join(dir, "dist/index.js"));
    expect(exportTarget("dmasim", own(dir, ".ts"))).toBe(join(dir, "src/index.ts"));
    expect(exportTarget("dmasim/package.json", own(dir, ".js"))).toBe(join(dir, "package.json"));
    expect(exportTarget("dmasim/dist/kernel/kernel.js", own(dir, ".js"))).toBeUndefined();
    expect(exportTarget("dmasimulator", own(dir, ".js"))).toBeUndefined();
  });

  it("a path into src/ maps to the running dist/ file and back; the command's own files stay", () => {
    const dir = fakePackage("dmasim", FILES, EXPORTS);
    expect(mapIntoOwn(join(dir, "src/kernel/kernel.ts"), own(dir, ".js"))).toBe(join(dir, "dist/kernel/kernel.js"));
    expect(mapIntoOwn(join(dir, "dist/kernel/kernel.js"), own(dir, ".ts"))).toBe(join(dir, "src/kernel/kernel.ts"));
    expect(mapIntoOwn(join(dir, "dist/kernel/kernel.js"), own(dir, ".js"))).toBeUndefined();
    // Not built yet: the source file stays what it is (and src/index.ts warns about a second copy if it is the entry).
    expect(mapIntoOwn(join(dir, "src/only-in-src.ts"), own(dir, ".js"))).toBeUndefined();
  });

  it("another installed copy of dmasim maps onto the command's; another package's files do not", () => {
    const mine = fakePackage("dmasim", FILES, EXPORTS);
    const other = fakePackage("dmasim", FILES, EXPORTS);
    const fork = fakePackage("not-dmasim", FILES);
    expect(dmasimRootOf(join(other, "dist/index.js"), own(mine, ".js"))).toBe(other);
    expect(mapIntoOwn(join(other, "dist/kernel/kernel.js"), own(mine, ".js"))).toBe(join(mine, "dist/kernel/kernel.js"));
    expect(mapIntoOwn(join(fork, "dist/kernel/kernel.js"), own(mine, ".js"))).toBeUndefined();
    expect(mapIntoOwn(join(mine, "test/fixtures/x.ts"), own(mine, ".js"))).toBeUndefined();
  });

  it("a user's import/export file runs as a module whatever its package type; CommonJS and node_modules files keep theirs", () => {
    const dir = mkdtempSync(join(tmpdir(), "dmasim-syntax-"));
    const cases: [string, string, boolean][] = [
      ["a.ts", `import { bootMachine } from "dmasim";\n`, true],
      ["b.ts", `import type { Scenario } from "dmasim";\n`, true],
      ["c.ts", `// helper\nexport default {};\n`, true],
      ["d.js", `import "./side.js";\n`, true],
      ["e.ts", `import fs = require("node:fs");\nmodule.exports = fs;\n`, false],
      ["f.js", `const x = require("dmasim");\nmodule.exports = { x };\n`, false],
      ["g.cts", `export default {};\n`, false],
      ["h.ts", `console.log(import.meta.url);\n`, true],
    ];
    for (const [name, text] of cases) writeFileSync(join(dir, name), text);
    for (const [name, , expected] of cases) expect(shouldRunAsModule(join(dir, name)), name).toBe(expected);
    mkdirSync(join(dir, "node_modules", "p"), { recursive: true });
    writeFileSync(join(dir, "node_modules", "p", "i.js"), "export default 1;\n");
    expect(shouldRunAsModule(join(dir, "node_modules", "p", "i.js"))).toBe(false);
  });
});
