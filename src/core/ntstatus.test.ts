import { describe, expect, it } from "vitest";
import { NT_SUCCESS, STATUS, statusName, statusSymbol } from "./ntstatus.ts";

describe("NTSTATUS names", () => {
  it('statusName gives the name and the value: "STATUS_INSUFFICIENT_RESOURCES (0xC000009A)"', () => {
    expect(statusName(STATUS.INSUFFICIENT_RESOURCES)).toBe("STATUS_INSUFFICIENT_RESOURCES (0xC000009A)");
    expect(statusName(STATUS.SUCCESS)).toBe("STATUS_SUCCESS (0x00000000)");
  });

  it("statusSymbol gives the bare name; both give the hex for a value with no name", () => {
    expect(statusSymbol(STATUS.INSUFFICIENT_RESOURCES)).toBe("STATUS_INSUFFICIENT_RESOURCES");
    expect(statusSymbol(STATUS.WDF_TOO_FRAGMENTED)).toBe("STATUS_WDF_TOO_FRAGMENTED");
    expect(statusSymbol(0xc0001234)).toBe("0xC0001234");
    expect(statusName(0xc0001234)).toBe("0xC0001234");
  });

  it("a negative (signed 32-bit) value names the same status as its unsigned form", () => {
    expect(statusSymbol(STATUS.INSUFFICIENT_RESOURCES | 0)).toBe("STATUS_INSUFFICIENT_RESOURCES");
  });

  it("NT_SUCCESS is true for success and informational codes, false for warnings and errors", () => {
    expect(NT_SUCCESS(STATUS.SUCCESS)).toBe(true);
    expect(NT_SUCCESS(STATUS.PENDING)).toBe(true);
    expect(NT_SUCCESS(0x80000005)).toBe(false);
    expect(NT_SUCCESS(STATUS.INSUFFICIENT_RESOURCES)).toBe(false);
  });
});
