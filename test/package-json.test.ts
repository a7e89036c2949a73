/**
 * The package as shipped: package.json says what a user gets (not private,
 * the library, the command's program and the type declarations in its
 * exports map, `files` limited to what ships, prepack builds it). The
 * pack-and-install test (test/pack) uses these; this one names each promise.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "./cli/command.ts";

interface PackageJson {
  readonly name: string;
  readonly private?: boolean;
  readonly type?: string;
  readonly bin?: Readonly<Record<string, string>>;
  readonly main?: string;
  readonly types?: string;
  readonly exports?: Readonly<Record<string, string | Readonly<Record<string, string>>>>;
  readonly files?: readonly string[];
  readonly scripts?: Readonly<Record<string, string>>;
}

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageJson;

/** The source file a dist/ target is built from (dist/x/y.js and dist/x/y.d.ts from src/x/y.ts). */
function sourceOf(target: string): string {
  return join(root, target.replace(/^\.\/dist\//, "src/").replace(/\.d\.ts$|\.js$/, ".ts"));
}

describe("package.json as shipped", () => {
  it("is publishable: not private, an ES module package named dmasim with the dmasim command", () => {
    expect(pkg.private).not.toBe(true);
    expect(pkg.name).toBe("dmasim");
    expect(pkg.type).toBe("module");
    expect(pkg.bin).toEqual({ dmasim: "dist/cli/main.js" });
    expect(pkg.scripts?.["prepack"]).toBe("npm run build");
  });

  it("the exports map: the library and the command's program, each with its type declarations, and package.json; nothing else", () => {
    expect(pkg.exports).toEqual({
      ".": { types: "./dist/index.d.ts", default: "./dist/index.js" },
      "./cli": { types: "./dist/cli/program.d.ts", default: "./dist/cli/program.js" },
      "./package.json": "./package.json",
    });
    expect(pkg.main).toBe("dist/index.js");
    expect(pkg.types).toBe("dist/index.d.ts");
  });

  it("every exported target is built from a source file that exists (types listed before default, as TypeScript needs)", () => {
    for (const [key, target] of Object.entries(pkg.exports ?? {})) {
      if (typeof target === "string") {
        expect(existsSync(join(root, target)), key).toBe(true);
        continue;
      }
      expect(Object.keys(target)[0], key).toBe("types");
      for (const file of Object.values(target)) expect(existsSync(sourceOf(file)), `${key}: ${file}`).toBe(true);
    }
  });

  it("files: the build without source maps, the C headers, the README and the licence", () => {
    expect(pkg.files).toEqual(["dist", "!dist/**/*.map", "include", "README.md", "LICENSE"]);
    for (const f of ["include", "README.md", "LICENSE"]) expect(existsSync(join(root, f)), f).toBe(true);
  });

  // Importing "dmasim/cli" must give the program without running it (dist/cli/main.js would run the command on import).
  it.skipIf(!existsSync(join(root, "dist/cli/program.js")))("importing dmasim/cli runs nothing and gives runCli; dmasim gives the library", () => {
    const script = `const cli = await import("dmasim/cli"); const lib = await import("dmasim"); console.log(JSON.stringify([Object.keys(cli).sort(), typeof lib.bootMachine]));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([["EXIT", "debugWanted", "runCli"], "function"]);
  });
});
