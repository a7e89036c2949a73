/**
 * The README section "Writing a request-driven KMDF driver and its
 * application": its two code blocks (a KMDF driver with a default queue,
 * then the application that drives it through the PnP manager) are
 * extracted, pointed at this checkout's src/index.ts instead of the "dmasim"
 * package, written to a scratch folder and run; what they print is what the
 * README says. The scenario table's names must be registered scenarios.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readmeSection, runLogged, tsBlocks } from "./readme-section.ts";
import { builtinScenario } from "../../src/scenarios/index.ts";

const section = (): string => readmeSection(TITLE);
const TITLE = "## Writing a request-driven KMDF driver and its application\n";

const scratch = mkdtempSync(join(tmpdir(), "dmasim-readme-requests-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README "Writing a request-driven KMDF driver and its application"', () => {
  const blocks = tsBlocks(section());

  it("has the driver block and the application block, and no other code block", () => {
    expect(blocks).toHaveLength(2);
    expect(section().match(/```/g)?.length).toBe(4);
  });

  it("the application opens the driver's device, writes, survives a rebalance, reads the bytes back, and is refused after the surprise removal", async () => {
    writeFileSync(join(scratch, "echo-driver.ts"), blocks[0] as string);
    writeFileSync(join(scratch, "echo-app.ts"), blocks[1] as string);
    const logged = await runLogged(join(scratch, "echo-app.ts"));
    expect(logged).toEqual([[0], [{ status: 0, information: 16 }], [16, "hello, requests!"], ["c0000184"]]);
  });

  it("every scenario the table names is a registered scenario", () => {
    const names = [...section().matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const n of names) expect(builtinScenario(n), n).toBeDefined();
  });
});
