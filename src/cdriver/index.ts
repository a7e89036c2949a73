/**
 * dmasim's C-driver layer: compile a WDM driver's C sources for wasm32
 * against dmasim's headers, instrument its memory accesses, and run it on a
 * simulated machine as a scenario.
 */
export { loadCDriverScenario, type CDriverScenarioOptions } from "./scenario/c-scenario.ts";
export { readCDriverConfig, cDriverConfigSchema, CONFIG_FILE, type CDriverConfig } from "./scenario/config.ts";
export { prepareCDriver, loadCDriver, checkInstrumentable, UninstrumentableError, type PreparedDriver } from "./load.ts";
export { buildCDriver, CDriverBuildError, type BuildOptions, type BuiltDriver } from "./toolchain/build.ts";
export { findToolchain, toolchainOrReason, ToolchainError, INSTALL_COMMAND, type Toolchain, type ToolchainOptions } from "./toolchain/find-toolchain.ts";
export { DriverSourceError, readDriverSources, type DriverSources } from "./toolchain/sources.ts";
export { CDriver, type CDriverOptions } from "./host/c-driver.ts";
export type { DriverMessage } from "./host/context.ts";
export { INCLUDE_DIR } from "./toolchain/paths.ts";
