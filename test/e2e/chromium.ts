/**
 * Browser set-up for the report tests: playwright-core drives Debian's
 * Chromium (/usr/bin/chromium; playwright-core never downloads a browser).
 * When Chromium is missing and we are root, install it with apt-get; else
 * fail with the exact command to run.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const INSTALL_COMMAND = "apt-get update && apt-get install -y --no-install-recommends chromium";

/** Make sure /usr/bin/chromium exists (installing it as root); throws with the command otherwise. */
export function ensureChromium(executable = CHROMIUM, isRoot = process.getuid?.() === 0): string {
  if (existsSync(executable)) return executable;
  if (isRoot) {
    execFileSync("sh", ["-c", `DEBIAN_FRONTEND=noninteractive ${INSTALL_COMMAND}`], { stdio: "inherit" });
    if (existsSync(executable)) return executable;
  }
  throw new Error(`Chromium is missing at ${executable}; install it with: sudo sh -c '${INSTALL_COMMAND}'`);
}

/** A headless Chromium with a fresh, empty profile and no background networking. */
export async function launchBrowser(): Promise<BrowserContext> {
  const executablePath = ensureChromium();
  const userDataDir = mkdtempSync(join(tmpdir(), "dmasim-chromium-"));
  return chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1200, height: 900 },
  });
}
