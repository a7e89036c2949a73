import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CASE_DIR, DriverSourceError, includesOf, readDriverSources, TMH_LINE, writeStaging } from "./sources.ts";

const dirs: string[] = [];
function folder(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), "dmasim-src-"));
  dirs.push(d);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(d, rel, ".."), { recursive: true });
    writeFileSync(join(d, rel), text);
  }
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("a driver's sources and the staging tree", () => {
  it("reads every .c and header of a folder (sorted), skipping build output folders", () => {
    const d = folder({ "b.c": "", "a.c": "", "Precomp.h": "", "sub/x.h": "", "obj/junk.c": "", "notes.txt": "" });
    const s = readDriverSources(d);
    expect(s.sources).toEqual(["a.c", "b.c"]);
    expect(s.files.map((f) => f.rel)).toEqual(["Precomp.h", "a.c", "b.c", "sub/x.h"]);
  });

  it("a single .c file compiles alone (with the headers beside it)", () => {
    const d = folder({ "one.c": "", "two.c": "", "h.h": "" });
    const s = readDriverSources(join(d, "one.c"));
    expect(s.sources).toEqual(["one.c"]);
    expect(s.files.map((f) => f.rel)).toEqual(["h.h", "one.c"]);
  });

  it("refuses a missing path, a non-C file and a folder with no .c file, naming them", () => {
    const d = folder({ "a.h": "", "x.txt": "" });
    expect(() => readDriverSources(join(d, "nope"))).toThrow(DriverSourceError);
    expect(() => readDriverSources(join(d, "x.txt"))).toThrow(/a C driver is a folder of \.c\/\.h files or one \.c file/);
    expect(() => readDriverSources(d)).toThrow(/no \.c file to compile/);
  });

  it("finds #include lines with either quote style, backslashes as slashes", () => {
    expect(includesOf('#include "precomp.h"\n  #  include <wdm.h>\n#include "..\\inc\\a.h"\nint x;')).toEqual([
      { spelled: "precomp.h", quoted: true, line: 1 },
      { spelled: "wdm.h", quoted: false, line: 2 },
      { spelled: "../inc/a.h", quoted: true, line: 3 },
    ]);
  });

  it("stages a copy under each include's spelling when the file's case differs (precomp.h for Precomp.h), as Windows resolves it", () => {
    const d = folder({ "Precomp.h": "#define P 1\n", "init.c": '#include "precomp.h"\n#include "Sub/X.H"\n', "sub/x.h": "#define X 1\n" });
    const out = mkdtempSync(join(tmpdir(), "dmasim-stage-"));
    dirs.push(out);
    const extra = writeStaging(readDriverSources(d), out);
    expect(extra).toEqual(["Sub/X.H", "precomp.h"]);
    expect(readFileSync(join(out, "precomp.h"), "utf8")).toBe("#define P 1\n");
    expect(readFileSync(join(out, "Sub/X.H"), "utf8")).toBe("#define X 1\n");
  });

  it("generates the one-line WPP header for every X.tmh a source includes, replacing one a real WPP run left", () => {
    const d = folder({ "Init.c": '#include "Init.tmh"\n', "Read.c": '#include "read.tmh"\n', "Read.tmh": "// WPP output\n" });
    const out = mkdtempSync(join(tmpdir(), "dmasim-stage-"));
    dirs.push(out);
    writeStaging(readDriverSources(d), out);
    expect(readFileSync(join(out, "Init.tmh"), "utf8")).toBe(TMH_LINE);
    expect(readFileSync(join(out, "Read.tmh"), "utf8")).toBe(TMH_LINE);
    expect(TMH_LINE.split("\n").filter((l) => l !== "")).toHaveLength(1);
  });

  it("a dmasim header spelled with another case (<WDM.h>) is staged under that spelling", () => {
    const d = folder({ "a.c": "#include <WDM.h>\n" });
    const out = mkdtempSync(join(tmpdir(), "dmasim-stage-"));
    dirs.push(out);
    writeStaging(readDriverSources(d), out, { lower: new Map([["wdm.h", "wdm.h"]]), read: () => new TextEncoder().encode("/* wdm */\n") });
    expect(existsSync(join(out, CASE_DIR, "WDM.h"))).toBe(true);
  });
});
