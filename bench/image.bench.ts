import { mkdtempSync, rmSync, writeFileSync, cpSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildStatusImage, pushStatusImage, readServiceBundle } from "../src/distribution/status-service-image.js";
import { statusImageTarget } from "../src/distribution/status-image-target.js";
import { loadRelease } from "../src/release/load-release.js";
import { resolveBase } from "../src/distribution/runtime-base.js";
import { pushNodeBaseImage } from "../test/support/node-base-image.js";
import { startRegistry } from "../test/support/registry-server.js";
import { printTimings, timeFunction, type Timing } from "./timings.js";

const ROOT = join(import.meta.dirname, "..");

/**
 * Issue 19 point 6: what building the status image adds to the esbuild bundle. The bundle is
 * bin/build.mjs's build (every command, the status service's among them); the image step reads
 * the base's index, manifests and configs from a local docker-registry (the offline Node.js base
 * of the tests), writes the application layer (pako level 9), configs, manifests, index and SBOM
 * into an OCI layout: cold (a fresh layout, the base's ~100 MB of layers copied in) and warm
 * (the layout already holds it: nothing written).
 */
export async function benchImage(runs: number): Promise<Timing[]> {
  const work = mkdtempSync(join(tmpdir(), "ark-bench-image-"));
  const registry = await startRegistry();
  try {
    const base = await pushNodeBaseImage(registry.host);
    cpSync(join(ROOT, "releases", "profiles"), join(work, "profiles"), { recursive: true });
    writeFileSync(
      join(work, "1.0.0.yaml"),
      readFileSync(join(ROOT, "releases", "1.0.0.yaml"), "utf8").replace(/^(statusService:\n {2}image: [^\n]*\n)/m, `$1  build:\n    base: ${base.reference}\n`),
    );
    const release = loadRelease(join(work, "1.0.0.yaml"));
    const platforms = [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
    ];
    const { build } = (await import(join(ROOT, "bin", "build.mjs"))) as { build: (root: string) => Promise<unknown> };
    const image = async (layout: string) => {
      const built = await buildStatusImage({ release, bundle: readServiceBundle(ROOT), platforms, epochSeconds: 0 });
      const target = statusImageTarget({ ociLayout: layout }, release.definition.statusService.image);
      await target.run(() => pushStatusImage(target.repository, built, { tag: "1.0.0", dockerReference: target.dockerReference }));
    };
    let fresh = 0;
    const warmLayout = join(work, "warm");
    await image(warmLayout);
    const timings = [
      await timeFunction("esbuild bundle of every command (bin/build.mjs)", () => build(ROOT), runs),
      await timeFunction("status image assembled in memory (base metadata read, layer, configs, SBOM)", () => buildStatusImage({ release, bundle: readServiceBundle(ROOT), platforms, epochSeconds: 0 }), runs),
      await timeFunction("status image, cold: fresh OCI layout, base layers copied in", () => image(join(work, `cold-${fresh++}`)), runs),
      await timeFunction("status image, warm: layout already holds it (nothing written)", () => image(warmLayout), runs),
    ];
    printTimings("status image (issue 19 point 6: the image step adds ≤ 2 s to the bundle)", timings);
    const [bundle, assemble, cold, warm] = timings.map((t) => t.medianMs) as [number, number, number, number];
    // Building is assembling and storing what is new; copying the base's layers into an empty store is a transfer of ~100 MB, shown apart.
    console.log(
      `  goal: the image step adds ≤ 2000 ms to the bundle (${bundle.toFixed(0)} ms): assembled ${assemble.toFixed(0)} ms, stored warm ${warm.toFixed(0)} ms ${warm <= 2000 ? "met" : "MISSED"}; cold with the base copied ${cold.toFixed(0)} ms`,
    );
    // The kit's own Node.js base (releases/base): rebuilt rarely (a new Node or Debian pin), so timed once,
    // from the input cache (the warm-up run fetches the inputs if the cache is empty): two .deb sets
    // unpacked, two 120 MB binaries checked and gzipped (pako level 6).
    const baseBuild = await timeFunction("Node.js runtime base, both platforms, from cached inputs (npm run image -- base)", () => resolveBase(join(ROOT, "releases", "base", "node22-debian12.yaml")), 1);
    printTimings("runtime base (releases/base/node22-debian12.yaml)", [baseBuild]);
    return [...timings, baseBuild];
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
