import { describe, expect, it } from "vitest";
import { plxIoParams } from "./plx-io.ts";

describe("the plx-io workload's params", () => {
  it("default to 16 buffers of up to 8 KiB and no IOCTLs; given values are kept", () => {
    expect(plxIoParams({})).toEqual({ transfers: 16, maxLength: 8192, ioctls: [] });
    expect(plxIoParams({ transfers: 3, maxLength: 100, ioctls: [0x220000] })).toEqual({ transfers: 3, maxLength: 100, ioctls: [0x220000] });
  });

  it("refuse an unknown key, a count out of range and an IOCTL list that is not ULONGs, naming what is wrong", () => {
    expect(() => plxIoParams({ seconds: 1 })).toThrow(/unknown param "seconds"/);
    expect(() => plxIoParams({ transfers: 0 })).toThrow(/params\.transfers must be a whole number from 1/);
    expect(() => plxIoParams({ maxLength: 0x20001 })).toThrow(/params\.maxLength must be a whole number from 1 to 131072/);
    expect(() => plxIoParams({ ioctls: ["0x220000"] })).toThrow(/params\.ioctls must be a list of IOCTL codes/);
    expect(() => plxIoParams({ ioctls: 5 })).toThrow(/params\.ioctls/);
  });
});
