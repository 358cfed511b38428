import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockRelease } from "../src/distribution/lock-release.js";
import { preflightRelease } from "../src/distribution/preflight.js";
import { ReferenceRegistries } from "../src/distribution/reference-registries.js";
import { loadRelease } from "../src/release/load-release.js";
import { applyLock } from "../src/synth/apply-lock.js";
import { releaseReferences } from "../src/synth/release-references.js";
import { localRelease } from "../test/support/reference-images.js";
import { startRegistry } from "../test/support/registry-server.js";
import { printTimings, timeFunction, type Timing } from "./timings.js";

/** Lock and preflight of one release's references (7 images, one multi-platform, and 6 charts) against a local docker-registry. */
export async function benchLock(runs: number): Promise<Timing[]> {
  const work = mkdtempSync(join(tmpdir(), "ark-bench-lock-"));
  const registry = await startRegistry();
  try {
    const { version } = await localRelease(work, registry.host);
    const loaded = loadRelease(join(work, "releases", `${version}.yaml`));
    const references = releaseReferences(loaded.definition, loaded.profile);
    // Fresh clients per run, so connection reuse across runs does not flatter the figures.
    const lock = (concurrency: number) => lockRelease(loaded, { registries: new ReferenceRegistries(), concurrency });
    const timings: Timing[] = [
      await timeFunction(`lock, ${references.length} references, concurrency 8`, () => lock(8), runs),
      await timeFunction(`lock, ${references.length} references, concurrency 1`, () => lock(1), runs),
    ];
    const { lock: locked } = await lock(8);
    const pinned = releaseReferences(applyLock(loaded.definition, locked, "lock"), loaded.profile);
    timings.push(
      await timeFunction(`preflight by digest, ${pinned.length} references, concurrency 8`, () => preflightRelease(version, pinned, { registries: new ReferenceRegistries() }), runs),
    );
    printTimings(`lock and preflight against docker-registry on ${registry.host}`, timings);
    return timings;
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
