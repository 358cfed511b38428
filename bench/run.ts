import { benchLock } from "./lock.bench.js";
import { benchIsoPublish } from "./iso-publish.bench.js";
import { benchPublish } from "./publish.bench.js";
import { benchSigning } from "./signing.bench.js";
import { benchStatus } from "./status.bench.js";
import { benchPullStartup } from "./pull-startup.bench.js";
import { benchSynth } from "./synth.bench.js";

const runs = Number(process.env["BENCH_RUNS"] ?? 7);
console.log(`appliance-release-kit benchmarks: median of ${runs} runs after a warm-up, node ${process.version}, ${process.platform}/${process.arch}`);
await benchSynth(runs);
await benchPublish(runs);
await benchLock(runs);
await benchSigning(runs);
// 200 MB per run: fewer runs than the small benchmarks.
await benchIsoPublish(Number(process.env["BENCH_ISO_RUNS"] ?? 3));
await benchStatus(runs);
await benchPullStartup(runs);
