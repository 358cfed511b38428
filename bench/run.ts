import { benchPublish } from "./publish.bench.js";
import { benchPullStartup } from "./pull-startup.bench.js";
import { benchSynth } from "./synth.bench.js";

const runs = Number(process.env["BENCH_RUNS"] ?? 7);
console.log(`appliance-release-kit benchmarks: median of ${runs} runs after a warm-up, node ${process.version}, ${process.platform}/${process.arch}`);
await benchSynth(runs);
await benchPublish(runs);
await benchPullStartup(runs);
