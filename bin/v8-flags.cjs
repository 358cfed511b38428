// V8 flags the launcher sets for a command before compiling its bundle (set at run time, so the
// package.json scripts stay `node bin/command.cjs <name>`; the code cache is written under the same
// flags, so V8 keeps accepting it).
"use strict";

/**
 * Commands that render in one short burst of allocation and compilation: synth, and diff, which
 * renders a release. Long-running commands (status-service, the offline archive, image builds,
 * lock's hashing) keep V8's defaults.
 */
const SHORT_BURST_COMMANDS = new Set(["synth", "diff"]);

/**
 * The optimizing compilers' tier-up thresholds per V8 major version (Node 20: V8 11; Node 22: 12;
 * Node 24: 13), four times V8's defaults: TurboFan's (its flag changed name in V8 12) and, from V8
 * 12, Maglev's (on by default in Node 24). Other versions keep V8's own: V8 reports a flag it does
 * not know on stderr.
 */
const INVOCATION_COUNTS = ["--invocation-count-for-turbofan=12000", "--invocation-count-for-maglev=1600"];
const LATER_TIER_UP = new Map([
  [11, ["--interrupt-budget=270336"]],
  [12, INVOCATION_COUNTS],
  [13, INVOCATION_COUNTS],
]);

/**
 * The flags for `command` under V8 `v8Version` (process.versions.v8), in the order they are set.
 *
 * - `--semi-space-growth-factor=1`: V8's young generation stays at its first size instead of
 *   doubling up to 16 MB. Memory touched for the first time costs a page fault each 4 KiB (13 µs on
 *   the 2-core VM); the larger young generation saved scavenges but touched 14 MB more. On synth of
 *   the shipped releases: 3,500 fewer page faults, about 40 ms less.
 * - Optimizing later: V8's thresholds suit a page or a server that runs for minutes. A burst of a
 *   few hundred milliseconds sends hundreds of merely warm functions to TurboFan, whose compiles
 *   finish as the command ends: on synth of the shipped releases, 150 ms of CPU and 3,000 page faults
 *   on the second core, which the garbage collector's helpers needed. At four times the thresholds
 *   the hot loops (deflate, YAML scanning) are still optimized. Synth of the shipped releases took
 *   ~50 ms less on Node 20 and 22; on Node 24 TurboFan's alone changed nothing measurable and
 *   Maglev's took 16 ms (and 2,000 page faults) off. Synth of 20 releases took ~100 ms less
 *   (1,070 → 970 ms on Node 20), where turning TurboFan off made it 25 % slower.
 */
function v8FlagsFor(command, v8Version) {
  if (!SHORT_BURST_COMMANDS.has(command)) return [];
  return ["--semi-space-growth-factor=1", ...(LATER_TIER_UP.get(Number(v8Version.split(".")[0])) ?? [])];
}

module.exports = { v8FlagsFor };
