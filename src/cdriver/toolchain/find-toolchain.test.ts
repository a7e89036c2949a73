import { describe, expect, it } from "vitest";
import { haveToolchain, skipReason } from "../../../test/cdriver/support.ts";
import { clangMajor, findToolchain, INSTALL_COMMAND, ToolchainError, toolchainOrReason, wasmLdCandidates } from "./find-toolchain.ts";

describe("finding clang and wasm-ld for wasm32", () => {
  it("reads the major version from clang --version (Debian's and upstream's wording)", () => {
    expect(clangMajor("Debian clang version 19.1.7 (3~deb12u1)\nTarget: x86_64-pc-linux-gnu")).toBe(19);
    expect(clangMajor("clang version 16.0.6")).toBe(16);
    expect(clangMajor("Apple clang version 15.0.0 (clang-1500.1.0.2.5)")).toBe(15);
    expect(clangMajor("gcc (Debian 12.2.0-14) 12.2.0")).toBe(0);
  });

  it("looks for the linker with clang's version suffix, then beside it, then on PATH", () => {
    expect(wasmLdCandidates("/usr/bin/clang-19")).toEqual(["wasm-ld-19", "/usr/bin/wasm-ld-19", "/usr/bin/wasm-ld", "wasm-ld"]);
    expect(wasmLdCandidates("clang")).toEqual(["wasm-ld"]);
  });

  it("with no clang anywhere, fails with one message naming the install command", () => {
    const r = toolchainOrReason({ env: { PATH: "/nonexistent" } });
    expect(r).toBeInstanceOf(ToolchainError);
    expect((r as Error).message).toContain(INSTALL_COMMAND);
    expect((r as Error).message).toMatch(/no clang \(>= 16\) found on PATH/);
    expect(() => findToolchain({ clang: "/nonexistent/clang-19", env: { PATH: "" } })).toThrow(/\/nonexistent\/clang-19 was not found[\s\S]*apt-get install -y clang-19 lld-19/);
  });

  it.skipIf(!haveToolchain)(`finds a clang >= 16 that compiles for wasm32, with its wasm-ld and resource headers${skipReason}`, () => {
    const tc = findToolchain();
    expect(tc.major).toBeGreaterThanOrEqual(16);
    expect(tc.wasmLd).toMatch(/wasm-ld/);
    expect(tc.resourceInclude).toMatch(/include$/);
    expect(tc.version).toMatch(/clang version/);
  });

  it.skipIf(!haveToolchain)(`a clang named by DMASIM_CLANG is used, and a bad one is refused naming it${skipReason}`, () => {
    const tc = findToolchain();
    expect(findToolchain({ env: { ...process.env, DMASIM_CLANG: tc.clang } }).clang).toBe(tc.clang);
    expect(() => findToolchain({ env: { ...process.env, DMASIM_CLANG: "/bin/true" } })).toThrow(/\/bin\/true is not a working clang/);
  });
});
