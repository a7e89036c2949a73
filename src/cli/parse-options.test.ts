import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration, parseParam, parseSeed, parseVerifier } from "./parse-options.ts";
import { UsageError } from "./usage-error.ts";

describe("run option parsing", () => {
  it("a duration is plain seconds or amounts with s/m/h/d/w units, summed", () => {
    expect(parseDuration("0")).toBe(0);
    expect(parseDuration("90")).toBe(90);
    expect(parseDuration("30s")).toBe(30);
    expect(parseDuration("15m")).toBe(900);
    expect(parseDuration("1h30m")).toBe(5400);
    expect(parseDuration("2d")).toBe(172800);
    expect(parseDuration("1w")).toBe(604800);
    expect(parseDuration("1.5h")).toBe(5400);
  });

  it("a bad duration is a UsageError naming the option and the text", () => {
    for (const bad of ["", "abc", "10x", "5m junk", "-3s", "h"]) {
      expect(() => parseDuration(bad)).toThrow(UsageError);
    }
    expect(() => parseDuration("10x")).toThrow('--uptime: "10x" is not a duration');
  });

  it("a seed is a whole number 0..2^32-1 in decimal or 0x hex", () => {
    expect(parseSeed("0")).toBe(0);
    expect(parseSeed("42")).toBe(42);
    expect(parseSeed("0xff")).toBe(255);
    expect(parseSeed("4294967295")).toBe(4294967295);
  });

  it("a bad seed is a UsageError naming --seed", () => {
    for (const bad of ["-1", "1.5", "seed", "4294967296", ""]) expect(() => parseSeed(bad)).toThrow(/--seed: .* is not a seed/);
  });

  it("the verifier mode is off, collect or bugcheck; anything else is a UsageError", () => {
    expect(parseVerifier("off")).toBe("off");
    expect(parseVerifier("collect")).toBe("collect");
    expect(parseVerifier("bugcheck")).toBe("bugcheck");
    expect(() => parseVerifier("on")).toThrow('--verifier: "on" is not a verifier mode (off, collect or bugcheck)');
  });

  it("--param key=value takes JSON values where they parse and text otherwise, later keys winning", () => {
    let p = parseParam("trials=2");
    p = parseParam("sizesPages=[1,16,512]", p);
    p = parseParam("device=nic0", p);
    p = parseParam("late=true", p);
    p = parseParam("trials=3", p);
    expect(p).toEqual({ trials: 3, sizesPages: [1, 16, 512], device: "nic0", late: true });
    expect(parseParam("note=a=b")).toEqual({ note: "a=b" });
  });

  it("a --param without key=value is a UsageError", () => {
    for (const bad of ["trials", "=3", "9x=1", " =1"]) expect(() => parseParam(bad)).toThrow(UsageError);
  });

  it("durations format back as d/h/m/s", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(5400)).toBe("1h 30m");
    expect(formatDuration(90061)).toBe("1d 1h 1m 1s");
  });
});
