import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kernelImports } from "../../src/cdriver/host/c-driver.ts";
import type { DriverContext } from "../../src/cdriver/host/context.ts";
import { INCLUDE_DIR } from "../../src/cdriver/toolchain/paths.ts";

function headerText(dir: string): string {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? [headerText(join(dir, e.name))] : e.name.endsWith(".h") ? [readFileSync(join(dir, e.name), "utf8")] : []))
    .join("\n");
}

describe("dmasim's headers and its host agree on the kernel routines", () => {
  const declared = new Set([...headerText(INCLUDE_DIR).matchAll(/DMASIM_IMPORT\((\w+)\)/g)].map((m) => m[1] ?? "").filter((n) => n !== "name"));
  const hosted = new Set(Object.keys(kernelImports({ message: () => undefined, driverObject: 0, tsDriver: null } as unknown as DriverContext).imports));

  it("every routine the headers import has a host implementation", () => {
    expect([...declared].filter((n) => !hosted.has(n))).toEqual([]);
  });

  it("every host routine is declared in the headers (nothing the driver cannot call)", () => {
    expect([...hosted].filter((n) => !declared.has(n))).toEqual([]);
    expect(declared.size).toBeGreaterThan(60);
  });

  it("the routines dmasim does not provide are declared without an import, so using one fails the link", () => {
    const routines = readFileSync(join(INCLUDE_DIR, "dmasim", "routines.h"), "utf8");
    const tail = routines.slice(routines.indexOf("Routines of the WDK that dmasim does not provide"));
    expect(tail).toMatch(/NTSTATUS IoCreateSymbolicLink\(/);
    expect(tail).not.toMatch(/DMASIM_IMPORT/);
    expect(hosted.has("IoCreateSymbolicLink")).toBe(false);
  });
});
