import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { plain } from "../../report/summary.ts";
import { BUILTIN_SCENARIOS } from "../../scenarios/index.ts";
import type { CliIo } from "../io.ts";
import { UsageError } from "../usage-error.ts";
import { AUDIO_SCENARIOS, runCommand } from "./run.ts";

/** The command in-process: what it printed and the files it wrote. */
function fakeIo(): { io: CliIo; out: string[]; err: string[]; files: Map<string, string | Uint8Array> } {
  const out: string[] = [];
  const err: string[] = [];
  const files = new Map<string, string | Uint8Array>();
  const cwd = mkdtempSync(join(tmpdir(), "dmasim-run-"));
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), style: plain, stderrIsTty: false, cwd, writeFile: (p, d) => files.set(p, d) }, out, err, files };
}

const riff = (b: Uint8Array): string => new TextDecoder("latin1").decode(b.subarray(0, 4)) + new TextDecoder("latin1").decode(b.subarray(8, 12));

describe("run --wav", () => {
  it("the audio scenarios are the sound-card ones that play: sound-card, sound-card-late, sound-card-pnp, sound-card-pnp-leak (not sound-card-exhausted, whose card never starts)", () => {
    expect(AUDIO_SCENARIOS.map((s) => s.name)).toEqual(["sound-card", "sound-card-late", "sound-card-pnp", "sound-card-pnp-leak"]);
    for (const s of AUDIO_SCENARIOS) expect(BUILTIN_SCENARIOS).toContain(s);
  });

  for (const name of ["sound-card-pnp", "sound-card-pnp-leak"]) {
    it(`run ${name} --wav writes what the card played through the rebalance and up to the surprise removal as a WAV file`, async () => {
      const f = fakeIo();
      await runCommand(f.io, name, { wav: "pnp.wav", param: { seconds: 0.5 } });
      const wav = f.files.get("pnp.wav");
      expect(wav).toBeInstanceOf(Uint8Array);
      const bytes = wav as Uint8Array;
      expect(riff(bytes)).toBe("RIFFWAVE");
      // The header's data size is what follows the 44-byte header, and the card played something.
      expect(bytes.length).toBeGreaterThan(44);
      expect(f.out.join("")).toMatch(new RegExp(`Audio written to pnp\\.wav \\(${bytes.length} bytes\\)`));
    });
  }

  it("--wav on a built-in scenario without audio is refused before it runs, naming the four that have audio", async () => {
    const f = fakeIo();
    await expect(runCommand(f.io, "nic-pnp", { wav: "x.wav" })).rejects.toThrow(UsageError);
    await expect(runCommand(f.io, "sound-card-exhausted", { wav: "x.wav" })).rejects.toThrow("--wav: sound-card-exhausted plays no audio (the scenarios with audio: sound-card, sound-card-late, sound-card-pnp, sound-card-pnp-leak)");
    expect(f.files.size).toBe(0);
  });
});
