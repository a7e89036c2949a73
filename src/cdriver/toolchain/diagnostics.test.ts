import { describe, expect, it } from "vitest";
import { firstCallSite, formatDiagnostics, linkErrorMessage } from "./diagnostics.ts";
import type { DriverSources } from "./sources.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const src: DriverSources = {
  root: "/w/examples/c/drv",
  display: "examples/c/drv",
  sources: ["init.c"],
  files: [
    { rel: "Precomp.h", content: enc("") },
    { rel: "init.c", content: enc("int a;\nvoid f(void) {\n  IoCreateSymbolicLink(0, 0);\n}\n") },
  ],
};

describe("compiler and linker messages as the user reads them", () => {
  it("shows the driver's own paths for its files (the staged copy's names are relative) and leaves others alone", () => {
    const text = "init.c:3:5: error: expected ';'\nIn file included from init.c:1:\n./Precomp.h:2:1: warning: x\n/usr/include/y.h:1:1: note: z\n";
    expect(formatDiagnostics(text, src)).toBe("examples/c/drv/init.c:3:5: error: expected ';'\nIn file included from examples/c/drv/init.c:1:\nexamples/c/drv/Precomp.h:2:1: warning: x\n/usr/include/y.h:1:1: note: z\n");
  });

  it("adds a note for a routine no header declares", () => {
    expect(formatDiagnostics("init.c:3:3: error: call to undeclared function 'ZwOpenKey'; ISO C99\n", src)).toMatch(/note: ZwOpenKey is not declared by dmasim's headers: dmasim does not provide this routine/);
  });

  it("names an undefined routine with the line that first calls it", () => {
    expect(firstCallSite(src, "IoCreateSymbolicLink")).toBe("examples/c/drv/init.c:3");
    expect(linkErrorMessage("wasm-ld-19: error: .dmasim-obj/0-init.c.o: undefined symbol: IoCreateSymbolicLink\n", src)).toMatch(/^examples\/c\/drv\/init\.c:3: error: IoCreateSymbolicLink is not a routine dmasim provides/);
  });
});
