/**
 * The README section "Writing a device model and its driver": its two code
 * blocks (a device model, then a KMDF driver for it) are extracted, pointed
 * at this checkout's src/index.ts instead of the "dmasim" package, written
 * to a scratch folder and run; what they print is what the README says.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readmeSection, runLogged, tsBlocks } from "./readme-section.ts";

const section = (): string => readmeSection(TITLE);
const TITLE = "## Writing a device model and its driver\n";

const scratch = mkdtempSync(join(tmpdir(), "dmasim-readme-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('README "Writing a device model and its driver"', () => {
  const blocks = tsBlocks(section());

  it("has the model block and the driver block, and every other code block is one of them", () => {
    expect(blocks).toHaveLength(2);
    expect(section().match(/```/g)?.length).toBe(4);
  });

  it("the model boots on a profile, and its KMDF driver starts it, runs one fill through the IOMMU and removes it with no findings", async () => {
    writeFileSync(join(scratch, "filler-model.ts"), blocks[0] as string);
    writeFileSync(join(scratch, "filler-driver.ts"), blocks[1] as string);
    const logged = await runLogged(join(scratch, "filler-driver.ts"));
    const [bars, started, bytes, findings] = logged.map((l) => l[0]);
    expect(bars).toEqual([{ index: 0, kind: "mmio", base: expect.any(Number) as number, size: 4096 }]);
    expect(started).toBe(true);
    expect(Array.from(bytes as Uint8Array)).toEqual([0xa5, 0xa5, 0xa5, 0xa5]);
    expect(findings).toBe(0);
    expect(logged).toHaveLength(4);
  });
});
