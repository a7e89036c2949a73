/**
 * The registry of built-in scenarios: what `dmasim list` shows, what
 * `dmasim run NAME` finds and what `dmasim demo` runs. Each area adds its
 * scenario with one import and one entry below.
 */
import { commonBufferWalkthroughScenario } from "./common-buffer-walkthrough.ts";
import { fragmentationScenario } from "./fragmentation.ts";
import { nicPhysicalAddressScenario, nicScenario } from "./nic.ts";
import { nicPnpD0ExitLeavesDmaScenario, nicPnpNoIoStopScenario, nicPnpScenario } from "./nic-pnp.ts";
import { plxScenario } from "./plx.ts";
import { plxPnpD0ExitLeavesDmaScenario, plxPnpDoubleCompleteScenario, plxPnpNoIoStopScenario, plxPnpScenario } from "./plx-pnp.ts";
import { plxRingAbove4gScenario } from "./plx-ring-above-4g.ts";
import type { Scenario } from "./scenario.ts";
import { soundCardExhaustedScenario, soundCardLateScenario, soundCardScenario } from "./sound-card.ts";
import { soundCardPnpLeakScenario, soundCardPnpScenario } from "./sound-card-pnp.ts";

/** Every built-in scenario, in `dmasim list` order. */
export const BUILTIN_SCENARIOS: readonly Scenario[] = [
  commonBufferWalkthroughScenario,
  plxScenario,
  plxRingAbove4gScenario,
  plxPnpScenario,
  plxPnpNoIoStopScenario,
  plxPnpD0ExitLeavesDmaScenario,
  plxPnpDoubleCompleteScenario,
  fragmentationScenario,
  soundCardScenario,
  soundCardLateScenario,
  soundCardExhaustedScenario,
  soundCardPnpScenario,
  soundCardPnpLeakScenario,
  nicScenario,
  nicPhysicalAddressScenario,
  nicPnpScenario,
  nicPnpNoIoStopScenario,
  nicPnpD0ExitLeavesDmaScenario,
];

/** The built-in scenario called `name`, or undefined. */
export function builtinScenario(name: string): Scenario | undefined {
  return BUILTIN_SCENARIOS.find((s) => s.name === name);
}

/**
 * What `dmasim demo` runs, in order: a scenario name and the profiles to run
 * it on (empty = its default profile). Entries whose scenario is not in the
 * registry are skipped.
 */
export const DEMO_PLAN: readonly { readonly scenario: string; readonly profiles: readonly string[] }[] = [
  { scenario: "common-buffer-walkthrough", profiles: ["x64-desktop", "x64-iommu", "arm64-soc"] },
  { scenario: "sound-card", profiles: [] },
  { scenario: "plx", profiles: [] },
  { scenario: "nic", profiles: ["x64-desktop", "x64-iommu", "arm64-soc"] },
  { scenario: "fragmentation", profiles: [] },
];
