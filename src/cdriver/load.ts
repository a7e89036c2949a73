/**
 * From C sources to a driver running on a machine:
 *
 *   prepareCDriver(path)  compile and link (cached), refuse code the memory
 *                         instrumentation cannot see, instrument (cached),
 *                         compile the module for V8;
 *   loadCDriver(k, p)     instantiate it on machine k and run DriverEntry.
 */
import { statSync } from "node:fs";
import { createRequire } from "node:module";
import { BuildCache, KeyHash } from "./toolchain/cache.ts";
import { type BuildOptions, type BuiltDriver, buildCDriver } from "./toolchain/build.ts";
import { displayPath, type DriverSources } from "./toolchain/sources.ts";
import type { CodeMap } from "./wasm/code-map.ts";
import { parseModule, walkCode } from "./wasm/decode.ts";
import { parseDebugLine } from "./wasm/dwarf-line.ts";
import { INSTRUMENT_FORMAT, instrumentDriver } from "./wasm/instrument.ts";
import { CDriver, type CDriverOptions } from "./host/c-driver.ts";
import type { Kernel } from "../kernel/kernel.ts";
import { isAbsolute } from "node:path";

export interface PreparedDriver {
  readonly built: BuiltDriver;
  readonly module: WebAssembly.Module;
  readonly codeMap: CodeMap;
  /** The module's name in stack traces ("dmasim-<key>"). */
  readonly moduleName: string;
  readonly sources: DriverSources;
}

/** A module with instructions dmasim's memory instrumentation does not see: each named with its C function and line. */
export class UninstrumentableError extends Error {
  readonly display: string;
  readonly problems: readonly string[];
  constructor(display: string, problems: readonly string[]) {
    super(`dmasim: ${display}: the driver contains instructions dmasim cannot route through the simulated machine:\n${problems.map((p) => `  ${p}`).join("\n")}\n  (dmasim builds with -mno-bulk-memory and without -matomics or -msimd128: remove flags or target attributes that enable them)`);
    this.name = "UninstrumentableError";
    this.display = display;
    this.problems = problems;
  }
}

/** Refuse a linked module containing memory.fill/copy/init, atomic read-modify-write, SIMD or memory.grow. */
export function checkInstrumentable(linked: Uint8Array, sources: DriverSources): void {
  const info = parseModule(linked);
  const dl = info.custom(".debug_line");
  const lines = dl === null ? null : parseDebugLine(dl, info.custom(".debug_line_str"));
  const problems: string[] = [];
  for (const body of info.bodies) {
    walkCode(linked, body, {
      uninstrumented: (at, what) => {
        const row = lines?.lookup(at - info.codeStart) ?? null;
        const fn = info.names.get(body.index) ?? `function ${body.index}`;
        const where = row === null ? "" : `${isAbsolute(row.file) ? row.file : displayPath(sources, row.file)}:${row.line}: `;
        problems.push(`${where}${fn}: ${what}`);
      },
    });
  }
  if (problems.length > 0) throw new UninstrumentableError(sources.display, problems);
}

let binaryenStamp: string | null = null;
function binaryenVersion(): string {
  if (binaryenStamp !== null) return binaryenStamp;
  try {
    const s = statSync(createRequire(import.meta.url).resolve("binaryen"));
    binaryenStamp = `${s.size}:${Math.floor(s.mtimeMs)}`;
  } catch {
    binaryenStamp = "unknown";
  }
  return binaryenStamp;
}

/** Build, check and instrument a C driver (a folder or one .c file); both steps are cached. */
export async function prepareCDriver(path: string | DriverSources, opts: BuildOptions = {}): Promise<PreparedDriver> {
  const cache = opts.cache ?? new BuildCache();
  const built = buildCDriver(path, { ...opts, cache });
  checkInstrumentable(built.linked, built.sources);
  const key = new KeyHash().add("build", built.key).add("instrument", INSTRUMENT_FORMAT).add("binaryen", binaryenVersion()).digest();
  const moduleName = `dmasim-${key.slice(0, 16)}`;
  let wasm: Uint8Array;
  let codeMap: CodeMap;
  const hit = cache.read("instrumented", key, "driver.wasm");
  const map = cache.read("instrumented", key, "code-map.json");
  if (hit !== null && map !== null) {
    wasm = new Uint8Array(hit);
    codeMap = JSON.parse(map.toString("utf8")) as CodeMap;
  } else {
    const out = await instrumentDriver(built.linked, moduleName);
    wasm = out.wasm;
    codeMap = out.codeMap;
    cache.store("instrumented", key, { "driver.wasm": wasm, "code-map.json": JSON.stringify(codeMap) });
  }
  return { built, module: new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), codeMap, moduleName, sources: built.sources };
}

/** Instantiate a prepared driver on machine `k` and run its DriverEntry. */
export function loadCDriver(k: Kernel, p: PreparedDriver, opts: Partial<CDriverOptions> = {}): CDriver {
  const name = opts.name ?? (p.sources.root.split(/[\\/]/).pop() ?? "driver").replace(/[^A-Za-z0-9_]/g, "_");
  const d = new CDriver(k, p.module, { codeMap: p.codeMap }, p.moduleName, { name, sourceRoot: p.sources.root, ...(opts.onMessage === undefined ? {} : { onMessage: opts.onMessage }) });
  d.load();
  return d;
}
