/**
 * Test support for C drivers: whether a toolchain is here (toolchain tests
 * skip only when none is, saying why), fixture paths, and a machine with a C
 * module instantiated on it.
 */
import { join } from "node:path";
import { CDriver } from "../../src/cdriver/host/c-driver.ts";
import { prepareCDriver, type PreparedDriver } from "../../src/cdriver/load.ts";
import { toolchainOrReason } from "../../src/cdriver/toolchain/find-toolchain.ts";
import { bootMachine, type Kernel } from "../../src/kernel/kernel.ts";

const tc = toolchainOrReason();
/** True when clang and wasm-ld for wasm32 were found. */
export const haveToolchain = !(tc instanceof Error);
/** A describe-title suffix saying why C tests are skipped ("" when they run). */
export const skipReason = tc instanceof Error ? ` (SKIPPED: ${tc.message.split("\n")[0] ?? ""})` : "";

export const FIXTURES = join(import.meta.dirname, "fixtures");
export const EXAMPLES = join(import.meta.dirname, "..", "..", "examples", "c");

const prepared = new Map<string, Promise<PreparedDriver>>();
/** Build and instrument a fixture folder once per test file. */
export function fixture(name: string, cflags: readonly string[] = []): Promise<PreparedDriver> {
  const key = `${name}\0${cflags.join(" ")}`;
  let p = prepared.get(key);
  if (p === undefined) {
    p = prepareCDriver(join(FIXTURES, name), { cflags });
    prepared.set(key, p);
  }
  return p;
}

/** A booted machine with the module instantiated (DriverEntry not run). */
export function instantiate(p: PreparedDriver, profile = "x64-desktop"): { k: Kernel; d: CDriver } {
  const k = bootMachine(profile, { seed: 1 });
  const d = new CDriver(k, p.module, { codeMap: p.codeMap }, p.moduleName, { name: "test", sourceRoot: p.sources.root });
  return { k, d };
}

/** Simulated memory for a test: `pages` fresh pages mapped at a kernel VA, and its C pointer. */
export function simulatedPages(k: Kernel, d: CDriver, pages: number, cache: "cached" | "noncached" = "cached"): { va: number; c: number } {
  const pfns = k.pfm.allocatePages(pages, { effort: "full", kind: "unmovable" });
  if (pfns === null) throw new Error("no pages");
  const m = k.va.map(pfns, cache, "test pages");
  return { va: m.startVa, c: d.host.mem.cPointer(m.startVa) };
}

/** Call a function the module exports by name, as a call into the driver. */
export function callExport(d: CDriver, name: string, ...args: (number | bigint)[]): number | bigint {
  const f = d.host.exports[name];
  if (typeof f !== "function") throw new Error(`no export ${name}`);
  return d.host.enter(() => (f as (...a: (number | bigint)[]) => number | bigint)(...args));
}
