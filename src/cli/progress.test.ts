import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand } from "./commands/run.ts";
import type { InterruptWatch } from "./interrupt.ts";
import type { CliIo } from "./io.ts";
import { makeProgress } from "./progress.ts";

function io(stderrIsTty: boolean, cwd: string): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), style: (_s, t) => t, stderrIsTty, cwd, writeFile: () => undefined };
}

/** A 64 MiB machine with a PCI device, as a profile file in a fresh folder. */
function tinyProfile(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "dmasim-progress-"));
  const file = join(dir, "tiny.json");
  writeFileSync(file, JSON.stringify({ name: "tiny", arch: "x64", memory: [{ base: 0, length: "64MiB", type: "ram" }], devices: [{ name: "nic", bus: "pci" }] }));
  return { dir, file };
}

/** A stand-in for the Ctrl-C watcher: "pressed" once it has been polled `after` times. */
function pressedAfter(after: number): () => Promise<InterruptWatch> {
  let polls = 0;
  return () => Promise.resolve({ interrupted: () => ++polls > after, stop: () => undefined });
}

describe("progress of long runs", () => {
  it("is drawn only when stderr is a terminal", () => {
    expect(makeProgress(io(false, "."))).toBeUndefined();
    const t = io(true, ".");
    const p = makeProgress(t, "x ");
    p?.update(0.5, "half");
    p?.done();
    expect(t.err.join("")).toMatch(/^\rx \[#{12}\.{12}\] {2}50% half/);
  });

  it("on a terminal, the uptime before a scenario shows how far it got, slice by slice", async () => {
    const { dir, file } = tinyProfile();
    const t = io(true, dir);
    const code = await runCommand(t, "common-buffer-walkthrough", { profile: file, uptime: "3m", verifier: "off", watchInterrupt: pressedAfter(Infinity) });
    expect(code).toBe(0);
    const err = t.err.join("");
    expect(err).toContain("uptime 60 of 180 simulated seconds");
    expect(err).toContain("uptime 120 of 180 simulated seconds");
    expect(err).toMatch(/100% uptime 180 of 180 simulated seconds/);
  });

  it("a Ctrl-C seen between uptime slices ends the run as interrupted (exit 130), output marked with how far it got", async () => {
    const { dir, file } = tinyProfile();
    const t = io(false, dir);
    const code = await runCommand(t, "common-buffer-walkthrough", { profile: file, uptime: "10m", verifier: "off", watchInterrupt: pressedAfter(2) });
    expect(code).toBe(130);
    expect(t.out.join("")).toContain("interrupted (Ctrl-C) during the uptime, after 2m of 10m simulated (20%)");
    expect(t.err.join("")).toContain("dmasim: interrupted after 2m of 10m of uptime; the output is the partial run");
  });
});
