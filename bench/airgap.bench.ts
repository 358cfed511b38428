// Issue 18 point 8: the offline archive against skopeo, on a synthetic release in a local
// docker-registry shaped like the shipped offline release: 10 image references, each a 2-platform
// index (linux/amd64, linux/arm64) — six components, the control plane, the local registry
// (distribution: offline), the status image the kit builds (lock builds it, publish pushes it) and
// the base it is built on — ~1 GiB in all with a shared base layer per platform. Ratios are per round,
// interleaved (airgap, then skopeo), medians printed; peak RSS of one export and one import.
// Run alone with `npx tsx bench/airgap.bench.ts` (BENCH_AIRGAP_ROUNDS, default 2); npm run bench runs it too.
import { spawn } from "node:child_process";
import { createHash, randomFillSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parse, stringify } from "yaml";
import { OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "../src/oci/media-types.js";
import { uploadRegistryBlobStream } from "../src/oci/registry-blob-stream.js";
import { RegistryClient } from "../src/oci/registry-client.js";
import { localRelease } from "../test/support/reference-images.js";
import { startRegistry, type RunningRegistry } from "../test/support/registry-server.js";
import { median } from "./measure.js";
import { peakRssMb } from "./peak-rss.js";
import { ROOT } from "./start-up.cases.js";

const MiB = 1024 * 1024;
const BASE_LAYER = 192 * MiB;
const APP_LAYER = 40 * MiB;
const PLATFORMS = [
  { os: "linux", architecture: "amd64" },
  { os: "linux", architecture: "arm64" },
];
const encoder = new TextEncoder();
const load = () => loadavg().map((value) => value.toFixed(2)).join(" ");

/** A blob of `size` random bytes, pushed as a stream of 4 MiB chunks; returns its descriptor. */
async function pushRandomBlob(client: RegistryClient, repository: string, size: number, mediaType: string, cache: Map<string, { digest: string; chunks: Buffer[] }>, key: string) {
  let blob = cache.get(key);
  if (!blob) {
    const chunks: Buffer[] = [];
    const hash = createHash("sha256");
    for (let done = 0; done < size; done += 4 * MiB) {
      const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(4 * MiB, size - done)));
      hash.update(chunk);
      chunks.push(chunk);
    }
    blob = { digest: `sha256:${hash.digest("hex")}`, chunks };
    cache.set(key, blob);
  }
  const descriptor = { mediaType, digest: blob.digest, size };
  if (!(await client.repository(repository).hasBlob(blob.digest))) {
    await uploadRegistryBlobStream(client, repository, descriptor, (async function* () {
      yield* blob.chunks;
    })());
  }
  return descriptor;
}

/** A 2-platform image: the shared base layer plus its own layer (none for the base itself); returns the index digest. */
async function pushBigImage(client: RegistryClient, repository: string, tag: string, cache: Map<string, { digest: string; chunks: Buffer[] }>, options: { base?: boolean } = {}): Promise<string> {
  const manifests = [];
  for (const platform of PLATFORMS) {
    const base = await pushRandomBlob(client, repository, BASE_LAYER, "application/vnd.oci.image.layer.v1.tar+gzip", cache, `base-${platform.architecture}`);
    const layers = options.base ? [base] : [base, await pushRandomBlob(client, repository, APP_LAYER, "application/vnd.oci.image.layer.v1.tar+gzip", cache, `${repository}-${platform.architecture}`)];
    // The base is what the status image is built on: a config whose entrypoint runs node (the layers are random: nothing runs).
    const runtime = options.base ? { Entrypoint: ["/nodejs/bin/node"], User: "65532" } : {};
    const configBytes = encoder.encode(JSON.stringify({ ...platform, rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.digest) }, config: runtime }));
    const repo = client.repository(repository);
    const config = { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${createHash("sha256").update(configBytes).digest("hex")}`, size: configBytes.byteLength };
    await repo.pushBlob(config, configBytes);
    const manifest = encoder.encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config, layers }));
    const descriptor = await repo.pushManifest(manifest, OCI_IMAGE_MANIFEST, `sha256:${createHash("sha256").update(manifest).digest("hex")}`);
    manifests.push({ ...descriptor, platform });
  }
  const index = encoder.encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests }));
  await client.repository(repository).pushManifest(index, OCI_IMAGE_INDEX, tag);
  return `sha256:${createHash("sha256").update(index).digest("hex")}`;
}

function run(command: string, args: string[], cwd = ROOT): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve({ ms: performance.now() - start, stdout }) : reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr}`))));
  });
}

const command = (name: string, ...args: string[]) => [join(ROOT, "bin", "command.cjs"), name, ...args];

export async function benchAirgap(rounds: number): Promise<void> {
  console.log(`\nairgap (issue 18 point 8): ${rounds} interleaved round(s), load average ${load()}`);
  const work = mkdtempSync(join(tmpdir(), "ark-bench-airgap-"));
  const registries: RunningRegistry[] = [];
  const fresh = async () => {
    const registry = await startRegistry();
    registries.push(registry);
    return registry;
  };
  try {
    const source = await fresh();
    const { base, client } = await localRelease(work, source.host, { version: "9.0.0" });
    const cache = new Map<string, { digest: string; chunks: Buffer[] }>();
    const prefix = base.slice(base.indexOf("/") + 1);
    const repositories = ["alga-core", "pgbouncer", "temporal", "temporal-worker", "workflow-worker", "email-service", "control-plane"].map((name) => `${prefix}/nine-minds/${name}`);
    for (const repository of repositories) await pushBigImage(client, repository, "build-1", cache);
    const registryImage = await pushBigImage(client, `${prefix}/library/registry`, "3.0.0", cache);
    const nodeBase = await pushBigImage(client, `${prefix}/nine-minds/node-base`, "22", cache, { base: true });
    cache.clear();
    // The shipped offline release's shape: the status image is the kit's own (built by lock on the
    // base, pushed by publish to where its reference points), and a local registry serves it all.
    const file = join(work, "releases", "9.0.0.yaml");
    const release = parse(readFileSync(file, "utf8"));
    release.statusService = { image: `${source.host}/alga/alga-appliance-status:9.0.0`, build: { base: `${base}/nine-minds/node-base:22@${nodeBase}` } };
    release.distribution = { mode: "offline", registry: { image: `${base}/library/registry:3.0.0@${registryImage}`, clusterIP: "10.43.0.50", port: 5000, hostPath: "/var/lib/alga-appliance/registry", namespace: "alga" } };
    release.waivers.push({
      policy: "restricted-pod-security",
      object: "Deployment alga-appliance-registry/appliance-registry",
      fields: ["spec.template.spec.volumes[0].hostPath"],
      reason: "the local registry keeps its storage on the host, as in the shipped offline release",
    });
    writeFileSync(file, stringify(release));
    for (const args of [["lock", "--release", "9.0.0"], ["synth", "--release", "9.0.0"], ["publish", "--release", "9.0.0", "--registry", `${source.host}/alga`, "--plain-http", "--skip-preflight"]]) {
      await run(process.execPath, command(args[0]!, ...args.slice(1)), work);
    }
    const lock = parse(readFileSync(join(work, "releases", "9.0.0.lock.yaml"), "utf8")) as { images: { reference: string; digest: string }[] };
    const exportArgs = (out: string) => command("airgap", "export", "--release", "9.0.0", "--registry", `${source.host}/alga`, "--plain-http", "--platform", "linux/amd64,linux/arm64", "--out", out, "--json");
    const samples = { export: [] as number[], skopeoExport: [] as number[], import: [] as number[], skopeoImport: [] as number[] };
    const digests: string[] = [];
    let bytes = 0;
    for (let round = 0; round < rounds; round++) {
      const out = join(work, `round-${round}.tar`);
      const exported = await run(process.execPath, exportArgs(out), work);
      const report = JSON.parse(exported.stdout);
      digests.push(report.digest);
      bytes = report.blobBytes;
      samples.export.push(exported.ms);
      const layout = join(work, `skopeo-${round}`);
      let skopeoMs = 0;
      for (const image of lock.images) {
        const name = image.reference;
        skopeoMs += (await run("skopeo", ["copy", "--all", "--quiet", "--insecure-policy", "--src-tls-verify=false", `docker://${name}`, `oci:${layout}:${name}`])).ms;
      }
      samples.skopeoExport.push(skopeoMs);
      // Imports into registries that hold nothing yet (started outside the timing).
      const [ours, theirs] = [await fresh(), await fresh()];
      samples.import.push((await run(process.execPath, command("airgap", "import", "--file", out, "--registry", `${ours.host}/alga`, "--plain-http"), work)).ms);
      let skopeoImportMs = 0;
      for (const image of lock.images) {
        const path = image.reference.slice(image.reference.indexOf("/") + 1);
        skopeoImportMs += (await run("skopeo", ["copy", "--all", "--quiet", "--insecure-policy", "--dest-tls-verify=false", `oci:${layout}:${image.reference}`, `docker://${theirs.host}/${path}`])).ms;
      }
      samples.skopeoImport.push(skopeoImportMs);
      await Promise.all([ours.stop(), theirs.stop()]);
      registries.splice(registries.indexOf(ours), 1);
      registries.splice(registries.indexOf(theirs), 1);
      const i = samples.export.length - 1;
      process.stderr.write(
        `airgap round ${round + 1}: export ${samples.export[i]!.toFixed(0)} ms vs skopeo ${samples.skopeoExport[i]!.toFixed(0)} ms (${(samples.export[i]! / samples.skopeoExport[i]!).toFixed(2)}), ` +
          `import ${samples.import[i]!.toFixed(0)} ms vs skopeo ${samples.skopeoImport[i]!.toFixed(0)} ms (${(samples.import[i]! / samples.skopeoImport[i]!).toFixed(2)}), digest ${digests[i]} (load ${load()})\n`,
      );
    }
    const exportRss = await peakRssMb(exportArgs(join(work, "rss.tar")), work);
    process.stderr.write(`airgap export peak RSS ${exportRss.toFixed(0)} MB\n`);
    const target = await fresh();
    const importRss = await peakRssMb(command("airgap", "import", "--file", join(work, "rss.tar"), "--registry", `${target.host}/alga`, "--plain-http"), work);
    process.stderr.write(`airgap import peak RSS ${importRss.toFixed(0)} MB\n`);
    const ratio = (a: number[], b: number[]) => median(a.map((value, i) => value / b[i]!));
    console.log(`  synthetic release: ${lock.images.length} images x 2 platforms, ${(bytes / MiB).toFixed(0)} MiB of blobs`);
    console.log(`  export     ${median(samples.export).toFixed(0)} ms   skopeo copy --all into one OCI layout ${median(samples.skopeoExport).toFixed(0)} ms   ratio ${ratio(samples.export, samples.skopeoExport).toFixed(2)} (goal <= 1.0)`);
    console.log(`  import     ${median(samples.import).toFixed(0)} ms   skopeo copy --all from that layout     ${median(samples.skopeoImport).toFixed(0)} ms   ratio ${ratio(samples.import, samples.skopeoImport).toFixed(2)} (goal <= 1.0)`);
    console.log(`  peak RSS   export ${exportRss.toFixed(0)} MB, import ${importRss.toFixed(0)} MB (goal <= 150 MB each)`);
    console.log(`  two exports, same archive digest: ${new Set(digests).size === 1 && digests.length > 1 ? "yes" : `NO (${digests.join(", ")})`}`);
  } finally {
    await Promise.all(registries.map((registry) => registry.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchAirgap(Number(process.env["BENCH_AIRGAP_ROUNDS"] ?? 2));
