// The OCI client split (issue 17 point 3) costs nothing: pull --channel and a cold publish from the
// build of a checkout before the split (OCI_BEFORE=<dir>, e.g. `git archive 50b7693` extracted and
// built) against today's, timed in interleaved rounds against one local docker-registry.
// Run: OCI_BEFORE=/tmp/oci-before npx tsx bench/oci-split-before-after.ts
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry } from "../test/support/registry-server.js";
import { interleavedRounds, median, medianRatio, type ProcessCase } from "./measure.js";
import { BENCH_RELEASE, prepareRegistry } from "./registry.cases.js";
import { ROOT } from "./start-up.cases.js";

const before = process.env["OCI_BEFORE"];
if (!before) throw new Error("set OCI_BEFORE to a built checkout from before the split");
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 7);
const load = () => loadavg().map((value) => value.toFixed(2)).join(" ");
const work = mkdtempSync(join(tmpdir(), "ark-oci-split-"));
const registry = await startRegistry();
try {
  const dist = join(work, "dist");
  await prepareRegistry(dist, registry.host);
  const cases: ProcessCase[] = [];
  for (const [side, root] of [["before", before], ["after", ROOT]] as const) {
    const run = (command: string, args: (round: number) => string[]): ProcessCase["args"] => (round) => [join(root, "bin", "command.cjs"), command, ...args(round)];
    cases.push(
      { id: `pull-${side}`, label: `pull --channel stable (${side})`, command: process.execPath, cwd: root, args: run("pull", (round) => ["--registry", `${registry.host}/bench`, "--plain-http", "--channel", "stable", "--out", join(work, `pull-${side}-${round}`)]) },
      { id: `publish-${side}`, label: `cold publish (${side})`, command: process.execPath, cwd: root, args: run("publish", (round) => ["--release", BENCH_RELEASE, "--dist", dist, "--registry", `${registry.host}/cold-${side}-${round}`, "--plain-http", "--skip-preflight"]) },
    );
  }
  console.log(`OCI client split, before (${before}) and after (${ROOT}): ${rounds} interleaved rounds, load ${load()}`);
  const samples = await interleavedRounds(cases, rounds, (round, note) => process.stderr.write(`round ${round} ${note ?? "done"} (load ${load()})\n`));
  for (const kase of cases) console.log(`${kase.label.padEnd(34)} median ${median(samples.get(kase.id)!).toFixed(0)} ms`);
  console.log(`pull after/before ${medianRatio(samples, ["pull-after"], ["pull-before"]).toFixed(3)}, publish after/before ${medianRatio(samples, ["publish-after"], ["publish-before"]).toFixed(3)} (medians of per-round ratios); load at the end ${load()}`);
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
