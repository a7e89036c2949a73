import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kmdfVersionFlags, projectKmdfVersion } from "./project-file.ts";

describe("the KMDF version a driver's project file targets", () => {
  it("is read from <KMDF_VERSION_MAJOR>/<KMDF_VERSION_MINOR> of a .vcxproj and becomes the compiler's macros", () => {
    const dir = mkdtempSync(join(tmpdir(), "dmasim-vcx-"));
    writeFileSync(join(dir, "Drv.vcxproj"), "<Project><PropertyGroup>\n  <KMDF_VERSION_MAJOR>1</KMDF_VERSION_MAJOR>\n  <KMDF_VERSION_MINOR> 19 </KMDF_VERSION_MINOR>\n</PropertyGroup></Project>");
    const v = projectKmdfVersion(dir);
    expect(v).toEqual({ major: 1, minor: 19, file: "Drv.vcxproj" });
    expect(kmdfVersionFlags(v)).toEqual(["-DKMDF_VERSION_MAJOR=1", "-DKMDF_VERSION_MINOR=19"]);
  });

  it("is null (no flags) without a project file, or with one that names no KMDF version", () => {
    const dir = mkdtempSync(join(tmpdir(), "dmasim-vcx-"));
    expect(projectKmdfVersion(dir)).toBeNull();
    writeFileSync(join(dir, "Wdm.vcxproj"), "<Project><DriverType>WDM</DriverType></Project>");
    expect(projectKmdfVersion(dir)).toBeNull();
    expect(kmdfVersionFlags(null)).toEqual([]);
  });
});
