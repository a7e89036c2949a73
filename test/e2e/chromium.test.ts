import { describe, expect, it } from "vitest";
import { CHROMIUM, ensureChromium, INSTALL_COMMAND } from "./chromium.ts";

describe("browser set-up", () => {
  it("uses Debian's Chromium when it is there", () => {
    expect(ensureChromium()).toBe(CHROMIUM);
  });

  it("without Chromium and without root, fails with the exact command to run", () => {
    expect(() => ensureChromium("/nonexistent/chromium", false)).toThrow(`Chromium is missing at /nonexistent/chromium; install it with: sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends chromium'`);
    expect(INSTALL_COMMAND).toBe("apt-get update && apt-get install -y --no-install-recommends chromium");
  });
});
