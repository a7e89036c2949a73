/**
 * Uptime a run can finish: the background workload costs host time in
 * proportion to RAM, at a full rate for its first simulated minute and a
 * fast-forward rate after (kernel/workload.ts estimates it), so an uptime
 * whose estimate exceeds the documented maximum is
 * refused up front, naming the limit, and a long one is announced on stderr
 * (also off a terminal) before it starts.
 */
import { estimateUptimeHostSeconds, maxUptimeSeconds, UPTIME_MAX_HOST_SECONDS } from "../kernel/workload.ts";
import type { MachineProfile } from "../machine/profile.ts";
import { formatDuration } from "./parse-options.ts";
import { UsageError } from "./usage-error.ts";

/** Estimated host time above which the run says so before it starts. */
export const LONG_UPTIME_HOST_SECONDS = 10;

function ramPagesOf(profile: MachineProfile): number {
  let bytes = 0;
  for (const r of profile.memory) if (r.type === "ram") bytes += r.length;
  return Math.floor(bytes / 4096);
}

/**
 * UsageError when `seconds` of uptime cannot finish on `profile` (estimated
 * host time above UPTIME_MAX_HOST_SECONDS, or not finite); otherwise calls
 * `warn` with one line when the estimate is above LONG_UPTIME_HOST_SECONDS.
 * `what` names where the uptime came from (e.g. "--uptime").
 */
export function checkUptime(seconds: number, profile: MachineProfile, what: string, warn: (line: string) => void): void {
  if (seconds === 0) return;
  const pages = ramPagesOf(profile);
  const max = maxUptimeSeconds(pages);
  if (!Number.isFinite(seconds) || seconds > max) {
    const asked = Number.isFinite(seconds) && seconds < 1e12 ? formatDuration(seconds) : `${seconds} s`;
    throw new UsageError(`${what}: ${asked} of uptime is more than profile ${profile.name} can run: the limit is ${formatDuration(max)} on its ${ramPagesOf(profile) * 4096 / 2 ** 30} GiB of RAM (about ${UPTIME_MAX_HOST_SECONDS / 3600} h of host time at the measured rate)`);
  }
  const host = estimateUptimeHostSeconds(pages, seconds);
  if (host > LONG_UPTIME_HOST_SECONDS) warn(`dmasim: ${formatDuration(seconds)} of uptime on ${profile.name} will take about ${formatDuration(Math.ceil(host))} of host time`);
}
