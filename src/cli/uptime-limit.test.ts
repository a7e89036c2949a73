import { describe, expect, it } from "vitest";
import { maxUptimeSeconds } from "../kernel/workload.ts";
import { builtinProfile } from "../machine/builtin-profiles.ts";
import { executeScenario } from "./execute.ts";
import { stepsScenario } from "./steps-scenario.ts";
import { checkUptime } from "./uptime-limit.ts";
import { UsageError } from "./usage-error.ts";

const desktop = builtinProfile("x64-desktop");
const desktopPages = (16 * 2 ** 30) / 4096;

describe("uptime limit (refuse what cannot finish, announce what is long)", () => {
  it("refuses an uptime above the profile's limit with a UsageError naming the limit", () => {
    const max = maxUptimeSeconds(desktopPages);
    expect(() => checkUptime(1_000_000 * 86400, desktop, "--uptime", () => {})).toThrow(UsageError);
    expect(() => checkUptime(1_000_000 * 86400, desktop, "--uptime", () => {})).toThrow(/--uptime: 1000000d of uptime is more than profile x64-desktop can run: the limit is 165d 12h 41m 24s on its 16 GiB of RAM \(about 1 h of host time/);
    expect(() => checkUptime(max + 1, desktop, "--uptime", () => {})).toThrow(/the limit is/);
    expect(() => checkUptime(max, desktop, "--uptime", () => {})).not.toThrow();
  });

  it("refuses 1e308 and Infinity seconds (a scenario file's uptime) without formatting them as days", () => {
    expect(() => checkUptime(1e308, desktop, "uptime", () => {})).toThrow(/1e\+308 s of uptime is more than profile x64-desktop can run/);
    expect(() => checkUptime(Infinity, desktop, "uptime", () => {})).toThrow(/Infinity s of uptime/);
  });

  it("the limit scales with RAM: a bigger machine gets a shorter limit", () => {
    expect(maxUptimeSeconds(desktopPages * 64)).toBeLessThan(maxUptimeSeconds(desktopPages));
    expect(() => checkUptime(3 * 86400, builtinProfile("x64-1tib"), "--uptime", () => {})).toThrow(/x64-1tib can run: the limit is 2d 13h 8m 7s on its 1024 GiB/);
  });

  it("says up front when the estimated host time is above 10 s, and stays quiet below", () => {
    const lines: string[] = [];
    checkUptime(3 * 86400, desktop, "--uptime", (l) => lines.push(l));
    expect(lines).toEqual(["dmasim: 3d of uptime on x64-desktop will take about 1m 7s of host time"]);
    lines.length = 0;
    checkUptime(3600, desktop, "--uptime", (l) => lines.push(l));
    checkUptime(10, desktop, "--uptime", (l) => lines.push(l));
    checkUptime(0, desktop, "--uptime", (l) => lines.push(l));
    expect(lines).toEqual([]);
  });

  it("a run counts its steps' uptime with --uptime and is refused before the machine boots", async () => {
    const steps = Array.from({ length: 1000 }, () => ({ op: "uptime" as const, seconds: 86400 }));
    const s = stepsScenario("long", "", steps);
    expect(s.stepsUptimeSeconds).toBe(86400 * 1000);
    await expect(executeScenario(s, { name: "long", seed: 1, uptimeSeconds: 0, verifier: "off", warn: () => {} })).rejects.toThrow(/scenario "long": 1000d of uptime is more than profile x64-desktop can run/);
  });
});
