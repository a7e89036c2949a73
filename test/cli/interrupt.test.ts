/**
 * Ctrl-C during a long uptime, through the built command: SIGINT after the
 * run has said up front how long it will take stops the uptime at the next
 * slice, prints the partial run marked as interrupted (how far it got) and
 * exits 130; with --json the output stays one valid JSON object.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { distMain } from "./command.ts";

interface Interrupted {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI, send SIGINT once stderr shows `ready` (the up-front estimate), collect what it printed. */
function runAndInterrupt(args: readonly string[], ready: RegExp): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [distMain, ...args], { cwd: mkdtempSync(join(tmpdir(), "dmasim-int-")), env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    let sent = false;
    const guard = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (!sent && ready.test(stderr)) {
        sent = true;
        // A moment into the uptime, so that it has run a slice or more.
        setTimeout(() => child.kill("SIGINT"), 1500);
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe("Ctrl-C during a long uptime (built CLI)", () => {
  it("SIGINT during --uptime 3d stops it with a partial run marked interrupted, saying how far it got, exit 130", async () => {
    const r = await runAndInterrupt(["run", "common-buffer-walkthrough", "--uptime", "3d"], /3d of uptime on x64-desktop will take about/);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    expect(r.stdout).toMatch(/^FAILED {2}common-buffer-walkthrough on x64-desktop/m);
    expect(r.stdout).toMatch(/interrupted \(Ctrl-C\) during the uptime, after (\d+[dhm] ?)+ of 3d simulated \(\d+%\)/);
    expect(r.stderr).toMatch(/dmasim: interrupted after .* of 3d of uptime; the output is the partial run/);
  });

  it("with --json the interrupted run is still one valid JSON object, with how far the uptime got", async () => {
    const r = await runAndInterrupt(["run", "common-buffer-walkthrough", "--uptime", "3d", "--json"], /will take about/);
    expect(r.code, r.stderr).toBe(130);
    const j = JSON.parse(r.stdout) as { uptimeSeconds: number; passed: boolean; interrupted: { doneSeconds: number; totalSeconds: number; reason: string } };
    expect(j.uptimeSeconds).toBe(3 * 86400);
    expect(j.passed).toBe(false);
    expect(j.interrupted.reason).toBe("SIGINT");
    expect(j.interrupted.totalSeconds).toBe(3 * 86400);
    expect(j.interrupted.doneSeconds).toBeGreaterThanOrEqual(0);
    expect(j.interrupted.doneSeconds).toBeLessThan(3 * 86400);
    expect(j.interrupted.doneSeconds % 60).toBe(0);
  });
});
