import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { infDeviceModel, infHardwareIds } from "./inf-device.ts";

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "dmasim-inf-"));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("the device a driver folder is for, from its INF's hardware IDs", () => {
  it("reads PCI\\VEN_xxxx&DEV_yyyy from .inf and .inx files in either case, each ID once, in file order", () => {
    const dir = folder({ "a.inx": "[Models]\n%Other%=Inst, PCI\\VEN_1234&DEV_abcd\n%Card%=Inst, PCI\\VEN_10b5&DEV_9601\n", "b.INF": "%Card%=Inst, pci\\ven_10B5&dev_9601&SUBSYS_0\n", "x.c": "PCI\\VEN_8086&DEV_100E" });
    expect(infHardwareIds(dir)).toEqual(["1234:ABCD", "10B5:9601"]);
  });

  it("maps the first ID dmasim has a model for to that model (the PLX 9656 board, the e1000); none gives null", () => {
    expect(infDeviceModel(folder({ "d.inx": "PCI\\VEN_1234&DEV_ABCD\nPCI\\VEN_10B5&DEV_9601\n" }))).toBe("plx9656");
    expect(infDeviceModel(folder({ "n.inf": "PCI\\VEN_8086&DEV_100E\n" }))).toBe("e1000");
    expect(infDeviceModel(folder({ "u.inf": "PCI\\VEN_1234&DEV_ABCD\n" }))).toBeNull();
    expect(infDeviceModel(folder({ "main.c": "int x;" }))).toBeNull();
  });

  it("for a single .c file, looks beside it", () => {
    const dir = folder({ "drv.inf": "PCI\\VEN_10B5&DEV_9656\n", "drv.c": "" });
    expect(infDeviceModel(join(dir, "drv.c"))).toBe("plx9656");
  });
});
