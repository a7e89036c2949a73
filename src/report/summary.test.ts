import { describe, expect, it } from "vitest";
import { formatUptime } from "./summary.ts";

describe("formatUptime (the run header)", () => {
  it("shows the uptime given, unrounded: 0.5 s stays 0.5 s", () => {
    expect(formatUptime(0)).toBe("fresh boot");
    expect(formatUptime(0.5)).toBe("0.5 s uptime");
    expect(formatUptime(0.25)).toBe("0.25 s uptime");
    expect(formatUptime(30)).toBe("30 s uptime");
    expect(formatUptime(90)).toBe("90 s uptime");
  });

  it("switches to minutes, hours and days at twice the unit", () => {
    expect(formatUptime(900)).toBe("15 min uptime");
    expect(formatUptime(150)).toBe("2.5 min uptime");
    expect(formatUptime(2 * 3600)).toBe("2 h uptime");
    expect(formatUptime(5400 + 7200)).toBe("3.5 h uptime");
    expect(formatUptime(3 * 86400)).toBe("3 d uptime");
  });
});
