import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { synthesizeRelease } from "../src/synth/synth-release.js";
import { writeRelease } from "../src/synth/write-output.js";
import { median } from "./measure.js";
import { BENCH_RELEASE } from "./registry.cases.js";
import { ROOT } from "./start-up.cases.js";

/** The cost of one release once everything is loaded: what start-up is measured against. */
export async function benchInProcess(runs: number): Promise<void> {
  const file = join(ROOT, "releases", `${BENCH_RELEASE}.yaml`);
  const out = mkdtempSync(join(tmpdir(), "ark-bench-inproc-"));
  try {
    synthesizeRelease(file, 0);
    const render: number[] = [];
    const write: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const release = synthesizeRelease(file, 0);
      const rendered = performance.now();
      await writeRelease(out, release);
      render.push(rendered - start);
      write.push(performance.now() - rendered);
    }
    console.log(`\nin process, release ${BENCH_RELEASE} (median of ${runs}): render + validate + bundle ${median(render).toFixed(1)} ms, write ${median(write).toFixed(1)} ms`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
