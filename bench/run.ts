// npm run bench: one run, every process timed in interleaved rounds (BENCH_ROUNDS, default 7),
// ratios as medians of per-round ratios, printed against the goals of issue 11.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry } from "../test/support/registry-server.js";
import { benchAirgap } from "./airgap.bench.js";
import { benchInProcess } from "./in-process.bench.js";
import { benchImage } from "./image.bench.js";
import { benchIsoPublish } from "./iso-publish.bench.js";
import { benchLock } from "./lock.bench.js";
import { benchSigning } from "./signing.bench.js";
import { benchStatus, benchStatusScale } from "./status.bench.js";
import { interleavedRounds, type ProcessCase } from "./measure.js";
import { peakRssMb } from "./peak-rss.js";
import { checkoutBeforePoint13, pullBeforeAfterCases, pullHelpUnderTsx } from "./pull-before-after.cases.js";
import { findSkopeo, prepareRegistry, registryCases } from "./registry.cases.js";
import { printGoals, printProcesses } from "./report.js";
import { ROOT, startUpCases } from "./start-up.cases.js";

const rounds = Number(process.env["BENCH_ROUNDS"] ?? 7);
// BENCH_ONLY=processes: the interleaved process rounds and pull's peak RSS only (no in-process benches).
const processesOnly = process.env["BENCH_ONLY"] === "processes";
const load = () => loadavg().map((value) => value.toFixed(2)).join(" ");
console.log(`appliance-release-kit benchmarks: ${rounds} interleaved rounds after a warm-up, node ${process.version}, ${process.platform}/${process.arch}, load average ${load()}`);

// The commands run from build/: bring it up to date first, so no round pays for a rebuild.
execFileSync(process.execPath, [join(ROOT, "bin", "build.mjs"), "--if-stale"], { stdio: "inherit" });

const work = mkdtempSync(join(tmpdir(), "ark-bench-"));
const registry = await startRegistry();
try {
  const cases: ProcessCase[] = startUpCases(work);
  const skopeo = findSkopeo();
  const dist = join(work, "dist");
  await prepareRegistry(dist, registry.host);
  if (skopeo) cases.push(...registryCases(work, dist, registry.host, skopeo));
  else console.log("skopeo is not installed: the pull and publish pairs against skopeo copy are skipped");
  const checkout = checkoutBeforePoint13(work);
  const before = "dir" in checkout ? checkout.dir : undefined;
  if (before) cases.push(...pullBeforeAfterCases(before));
  else if ("skipped" in checkout) console.log(`${checkout.skipped}: pull before/after issue 7 point 13 is skipped`);

  const samples = await interleavedRounds(cases, rounds, (round, note) => process.stderr.write(`round ${round} ${note ?? "done"} (load ${load()})\n`));
  const pullRss = await peakRssMb([join(ROOT, "bin", "command.cjs"), "pull", "--registry", `${registry.host}/bench`, "--plain-http", "--channel", "stable", "--out", join(work, "pull-rss")], ROOT);
  printProcesses(cases, samples);
  printGoals(samples, pullRss);
  if (before) {
    const [rssBefore, rssAfter] = [await peakRssMb(pullHelpUnderTsx(before), before), await peakRssMb(pullHelpUnderTsx(ROOT), ROOT)];
    console.log(`\npull --help peak RSS under tsx (issue 7 point 13): before ${rssBefore.toFixed(1)} MB, after ${rssAfter.toFixed(1)} MB`);
  }
  if (!processesOnly) await benchInProcess(rounds * 3);
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}

// In process, each against its own local server: lock and preflight (docker-registry), signing,
// the status classifier and service, and a 200 MB ISO upload (s3rver, fewer runs).
if (!processesOnly) {
  await benchLock(rounds);
  await benchSigning(rounds);
  await benchStatus(rounds);
  await benchImage(rounds);
  await benchStatusScale();
  await benchIsoPublish(Number(process.env["BENCH_ISO_RUNS"] ?? 3));
  await benchAirgap(Number(process.env["BENCH_AIRGAP_ROUNDS"] ?? 2));
}
console.log(`\nload average at the end: ${load()}`);
