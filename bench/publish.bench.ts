import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishRelease } from "../src/distribution/publish-release.js";
import { pullRelease } from "../src/distribution/pull-release.js";
import { openReleaseStore } from "../src/distribution/release-store.js";
import { openStagedRelease } from "../src/distribution/staged-release.js";
import { synthesizeRelease } from "../src/synth/synth-release.js";
import { writeRelease } from "../src/synth/write-output.js";
import { startRegistry } from "../test/support/registry-server.js";
import { printTimings, timeFunction, type Timing } from "./measure.js";

/** Publish and pull of one release against a real docker-registry on 127.0.0.1. */
export async function benchPublish(runs: number): Promise<Timing[]> {
  const work = mkdtempSync(join(tmpdir(), "ark-bench-publish-"));
  const registry = await startRegistry();
  try {
    const dist = join(work, "dist");
    await writeRelease(dist, synthesizeRelease(join(import.meta.dirname, "..", "releases", "1.0-rc5.yaml"), 0));
    const staged = await openStagedRelease(dist, "1.0-rc5");
    let namespace = 0;
    let coldBytes = 0;
    let coldBlobs = 0;
    let coldMounted = 0;
    let warmBytes = 0;
    const timings: Timing[] = [];
    // A fresh namespace per run: nothing is there, so every blob and manifest is uploaded.
    timings.push(
      await timeFunction(
        "cold publish to a fresh namespace",
        async () => {
          const report = await publishRelease(staged, openReleaseStore({ registry: `${registry.host}/cold${namespace++}`, plainHttp: true }), { channels: ["stable"] });
          coldBytes = report.bytesUploaded;
          coldBlobs = report.blobsUploaded;
          coldMounted = report.blobsMounted;
        },
        runs,
        undefined,
        false,
      ),
    );
    const store = openReleaseStore({ registry: `${registry.host}/cold0`, plainHttp: true });
    timings.push(
      await timeFunction("unchanged re-publish", async () => {
        warmBytes = (await publishRelease(staged, store, { channels: ["stable"] })).bytesUploaded;
      }, runs),
    );
    let pulls = 0;
    timings.push(
      await timeFunction("pull by channel (resolve, verify, extract)", () => pullRelease(store, { reference: "stable", outDir: join(work, `pull-${pulls++}`) }), runs),
    );
    printTimings(`publish and pull against docker-registry on ${registry.host} (release 1.0-rc5)`, timings);
    console.log(`  bytes uploaded: cold ${coldBytes} (${coldBlobs} blobs + 2 manifests; ${coldMounted} blob mounted across repositories), unchanged re-publish ${warmBytes}`);
    return timings;
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
