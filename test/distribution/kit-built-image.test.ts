/**
 * Issue 19 point 3: the release pins what the kit built. `lock` builds the status image (base read
 * from a real docker-registry) and records its digest and what it was built from; synth renders
 * that digest and refuses a placeholder or a missing entry; publish pushes exactly that image
 * beside the release before the release itself (skopeo reads it at the digest the rendered
 * Deployment pins), a second publish uploads nothing (counted through a proxy), and a stale lock
 * is caught by lock --check and refused by publish.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { pushTinyBase, writeTinyBase } from "../image/tiny-base.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { localRelease } from "../support/reference-images.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const run = promisify(execFile);
const EPOCH = "1767225600";
const env = (extra: Record<string, string> = {}) =>
  ({ OCI_USERNAME: undefined, OCI_PASSWORD: undefined, OCI_TOKEN: undefined, DOCKER_CONFIG: tempDir("ark-no-docker-config-"), SOURCE_DATE_EPOCH: EPOCH, SIGNING_KEY_FILE: undefined, ...extra }) as unknown as NodeJS.ProcessEnv;

let registry: RunningRegistry;
let proxy: FaultProxy;
let dir: string;
let version: string;
let statusReference: string;
let base: { index: { digest: string }; reference: string };
let locked: { reference: string; digest: string; mediaType: string; platforms: string[]; built: { base: string; layer: string } };

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host);
  base = await pushTinyBase(registry.host);
  dir = tempDir("ark-kit-image-");
  const local = await localRelease(dir, registry.host, { version: "3.0.0" });
  version = local.version;
  // The status image is the kit's own: a tag only (no registry holds it yet), built on the tiny base.
  statusReference = `${local.base}/nine-minds/alga-appliance-status:${version}`;
  const file = join(dir, "releases", `${version}.yaml`);
  const release = parse(readFileSync(file, "utf8"));
  release.statusService = { image: statusReference, build: { base: base.reference } };
  writeFileSync(file, stringify(release));
  const lock = await runCli("lock", ["--release", version, "--json"], { cwd: dir, env: env() });
  if (lock.code !== 0) throw new Error(`npm run lock failed: ${lock.stderr}`);
  locked = parse(readFileSync(join(dir, "releases", `${version}.lock.yaml`), "utf8")).images.find((entry: { reference: string }) => entry.reference === statusReference);
  const synth = await runCli("synth", ["--release", version], { cwd: dir, env: env() });
  if (synth.code !== 0) throw new Error(`npm run synth failed: ${synth.stderr}`);
}, 240_000);

afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});

/** A copy of the release directory (releases/ and dist/), so a test may break it without touching the others. */
function copyOfRelease(): string {
  const copy = tempDir("ark-kit-image-copy-");
  cpSync(join(dir, "releases"), join(copy, "releases"), { recursive: true });
  return copy;
}

const skopeo = async (...args: string[]) => (await run("skopeo", args, { maxBuffer: 64 * 1024 * 1024 })).stdout;

/** The files of the config bundle `repository:version` in the registry, by path. */
async function bundleFiles(repository: string): Promise<Map<string, string>> {
  const client = new RegistryClient({ registry: registry.host, plainHttp: true });
  const repo = client.repository(repository);
  const descriptor = (await repo.resolve(version))!;
  const manifest = JSON.parse(new TextDecoder().decode((await repo.fetchManifest(descriptor.digest)).bytes));
  const layer = manifest.layers[0];
  const tar = gunzipSync(await repo.fetchBlob(layer.digest, layer.size));
  const files = new Map<string, string>();
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    const name = header.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    if (name === "") break;
    const prefix = header.subarray(345, 500).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(header.subarray(124, 136).toString("utf8").replace(/\0.*$/s, "").trim() || "0", 8);
    files.set(prefix ? `${prefix}/${name}` : name, tar.subarray(offset + 512, offset + 512 + size).toString("utf8"));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

describe("lock builds the kit's own image", () => {
  it("records the digest it built (the same npm run image builds), its platforms and what it was built from", async () => {
    expect(locked).toMatchObject({ reference: statusReference, mediaType: "application/vnd.oci.image.index.v1+json", platforms: ["linux/amd64", "linux/arm64/v8"] });
    expect(locked.built.base).toBe(base.index.digest);
    // An independent build of the same release by npm run image gives exactly the locked digest and layer.
    const layout = tempDir("ark-kit-image-layout-");
    const image = await runCli("image", ["--service", "status", "--release", join(dir, "releases", `${version}.yaml`), "--oci-layout", layout, "--json"], { cwd: dir, env: env() });
    expect(image.code, image.stderr).toBe(0);
    const built = JSON.parse(image.stdout);
    expect(built.digest).toBe(locked.digest);
    expect(built.layer).toBe(locked.built.layer);
    // The base is locked like any other image.
    const lock = parse(readFileSync(join(dir, "releases", `${version}.lock.yaml`), "utf8"));
    expect(lock.images.find((entry: { reference: string }) => entry.reference === base.reference.replace(/@.*$/, ""))?.digest).toBe(base.index.digest);
  });

  it("lock --check passes on the same source and reports a stale build (another SOURCE_DATE_EPOCH) with the fix", async () => {
    const same = await runCli("lock", ["--release", version, "--check"], { cwd: dir, env: env() });
    expect(same.code, same.stderr).toBe(0);
    // Locking again (in a copy, from another path, time zone and umask) writes the same bytes: the build is deterministic.
    const copy = copyOfRelease();
    rmSync(join(copy, "releases", `${version}.lock.yaml`));
    const again = await runCli("lock", ["--release", version], { cwd: copy, env: env({ TZ: "Pacific/Chatham" }), shellPrefix: "umask 077;" });
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(copy, "releases", `${version}.lock.yaml`), "utf8")).toBe(readFileSync(join(dir, "releases", `${version}.lock.yaml`), "utf8"));
    const stale = await runCli("lock", ["--release", version, "--check", "--json"], { cwd: dir, env: env({ SOURCE_DATE_EPOCH: "1767225601" }) });
    expect(stale.code).toBe(1);
    const drift = JSON.parse(stale.stdout).drift;
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ reference: statusReference, problem: "stale-build", locked: locked.digest });
    expect(drift[0].current).not.toBe(locked.digest);
    const text = await runCli("lock", ["--release", version, "--check"], { cwd: dir, env: env({ SOURCE_DATE_EPOCH: "1767225601" }) });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(`${statusReference} is stale: the lock pins the build ${locked.digest}`);
    expect(text.stderr).toMatch(/application layer .* changed\)/);
    expect(text.stderr).toContain(`Re-lock deliberately with npm run lock -- --release ${version}`);
  }, 120_000);
});

describe("synth pins the built digest", () => {
  it("renders the status Deployment with repo:tag@<the locked digest>", () => {
    const rendered = readFileSync(join(dir, "dist", version, "config", "platform", "status-service.yaml"), "utf8");
    expect(rendered).toContain(`image: ${statusReference}@${locked.digest}`);
  });

  it("refuses a placeholder digest written in the release file, naming the file, the field and the fix, and writes nothing", async () => {
    const copy = copyOfRelease();
    const file = join(copy, "releases", `${version}.yaml`);
    const placeholder = "sha256:c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5";
    writeFileSync(file, readFileSync(file, "utf8").replace(`image: ${statusReference}\n`, `image: ${statusReference}@${placeholder}\n`));
    const result = await runCli("synth", ["--release", version], { cwd: copy, env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}: statusService.image pins ${placeholder}, which is not what the kit built (${locked.digest}`);
    expect(result.stderr).toMatch(/placeholder/);
    expect(result.stderr).toMatch(/Drop the digest .*npm run lock -- --release 3\.0\.0/);
    expect(existsSync(join(copy, "dist", version))).toBe(false);

    // The digest the kit built is accepted when written by hand.
    writeFileSync(file, readFileSync(file, "utf8").replace(placeholder, locked.digest));
    const same = await runCli("synth", ["--release", version], { cwd: copy, env: env() });
    expect(same.code, same.stderr).toBe(0);
  }, 120_000);

  it("refuses a kit-built image the lock records no build of, and a release with no lock", async () => {
    const copy = copyOfRelease();
    const lockFile = join(copy, "releases", `${version}.lock.yaml`);
    const lock = parse(readFileSync(lockFile, "utf8"));
    lock.images = lock.images.filter((entry: { reference: string }) => entry.reference !== statusReference);
    writeFileSync(lockFile, stringify(lock));
    const missing = await runCli("synth", ["--release", version], { cwd: copy, env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${join(copy, "releases", `${version}.yaml`)}: statusService.image: the kit builds ${statusReference} (statusService.build)`);
    expect(missing.stderr).toContain(`${lockFile} records no build of ${statusReference}`);
    expect(missing.stderr).toContain(`run npm run lock -- --release ${version}`);
    expect(existsSync(join(copy, "dist", version))).toBe(false);

    // A digest locked by looking the tag up (not built) is not the kit's build either.
    lock.images.push({ reference: statusReference, digest: locked.digest });
    writeFileSync(lockFile, stringify(lock));
    const looked = await runCli("synth", ["--release", version], { cwd: copy, env: env() });
    expect(looked.code).toBe(1);
    expect(looked.stderr).toContain(`records no build of ${statusReference}`);

    rmSync(lockFile);
    const unlocked = await runCli("synth", ["--release", version], { cwd: copy, env: env() });
    expect(unlocked.code).toBe(1);
    expect(unlocked.stderr).toContain(`statusService.image: the kit builds ${statusReference} (statusService.build), so its digest comes from the lock, but there is no lock file beside it`);
    expect(existsSync(join(copy, "dist", version))).toBe(false);
  }, 120_000);
});

describe("publish pushes what the release pins", () => {
  it("pushes the image beside the release, before the release; the Deployment in the published bundle pins the digest skopeo reads", async () => {
    const before = proxy.requests.length;
    const published = await runCli("publish", ["--release", version, "--registry", `${proxy.host}/pub`, "--plain-http", "--skip-preflight", "--json"], { cwd: dir, env: env() });
    expect(published.code, published.stderr).toBe(0);
    const report = JSON.parse(published.stdout).releases[0];
    expect(report.statusImage).toMatchObject({ digest: locked.digest, alreadyPresent: false });
    expect(report.statusImage.blobsUploaded).toBeGreaterThan(0);
    // Order: the image's version tag is written before any blob or manifest of the release.
    const requests = proxy.requests.slice(before).map((request) => `${request.method} ${request.path}`);
    const imageTag = requests.indexOf(`PUT /v2/pub/alga-appliance-status/manifests/${version}`);
    const firstReleaseWrite = requests.findIndex((line) => /^(POST|PUT) \/v2\/pub\/alga-appliance-(config|release)\//.test(line));
    expect(imageTag).toBeGreaterThanOrEqual(0);
    expect(firstReleaseWrite).toBeGreaterThan(imageTag);

    const inspected = JSON.parse(await skopeo("inspect", "--tls-verify=false", "--override-os", "linux", "--override-arch", "amd64", `docker://${registry.host}/pub/alga-appliance-status:${version}`));
    expect(inspected.Digest).toBe(locked.digest);
    const deployment = [...(await bundleFiles("pub/alga-appliance-config")).entries()].find(([, text]) => text.includes("kind: Deployment") && text.includes("alga-appliance-status:"));
    expect(deployment, "the status Deployment in the published bundle").toBeDefined();
    expect(deployment![1]).toContain(`image: ${statusReference}@${inspected.Digest}`);
  }, 120_000);

  it("uploads nothing the second time: no blob upload and no manifest PUT reaches the registry", async () => {
    const before = proxy.requests.length;
    const again = await runCli("publish", ["--release", version, "--registry", `${proxy.host}/pub`, "--plain-http", "--skip-preflight", "--json"], { cwd: dir, env: env() });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).releases[0].statusImage).toMatchObject({ digest: locked.digest, alreadyPresent: true, blobsUploaded: 0 });
    const writes = proxy.requests.slice(before).filter((request) => request.method === "POST" || request.method === "PUT" || request.method === "PATCH");
    expect(writes.map((request) => `${request.method} ${request.path}`)).toEqual([]);
  }, 120_000);

  it("publishes into an OCI layout with the base read from a mirror layout (--base-layout), and nothing else", async () => {
    const target = tempDir("ark-kit-image-target-");
    const empty = tempDir("ark-kit-image-empty-mirror-");
    const notThere = await runCli("publish", ["--release", version, "--oci-layout", target, "--base-layout", empty], { cwd: dir, env: env() });
    expect(notThere.code).toBe(1);
    expect(notThere.stderr).toContain(`statusService.build.base: cannot build ${statusReference} on ${base.reference}, read from the mirror layout ${empty} (--base-layout)`);
    expect(existsSync(join(target, "alga-appliance-release"))).toBe(false);

    const mirror = tempDir("ark-kit-image-mirror-");
    await writeTinyBase(mirror);
    const published = await runCli("publish", ["--release", version, "--oci-layout", target, "--base-layout", join(mirror, "nodejs22"), "--json"], { cwd: dir, env: env() });
    expect(published.code, published.stderr).toBe(0);
    expect(JSON.parse(published.stdout).releases[0].statusImage).toMatchObject({ digest: locked.digest, alreadyPresent: false });
    const index = JSON.parse(await skopeo("inspect", "--raw", `oci:${join(target, "alga-appliance-status")}:${version}`));
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    const { createHash } = await import("node:crypto");
    expect(`sha256:${createHash("sha256").update(await skopeo("inspect", "--raw", `oci:${join(target, "alga-appliance-status")}:${version}`)).digest("hex")}`).toBe(locked.digest);
  }, 120_000);

  it("refuses a target whose status tag holds another build (version tags are immutable), publishing nothing of the release", async () => {
    const other = await runCli("image", ["--service", "status", "--release", join(dir, "releases", `${version}.yaml`), "--registry", `${registry.host}/taken`, "--plain-http", "--json"], {
      cwd: dir,
      env: env({ SOURCE_DATE_EPOCH: "1767225602" }),
    });
    expect(other.code, other.stderr).toBe(0);
    const otherDigest = JSON.parse(other.stdout).digest;
    const refused = await runCli("publish", ["--release", version, "--registry", `${registry.host}/taken`, "--plain-http", "--skip-preflight"], { cwd: dir, env: env() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`alga-appliance-status:${version} already holds ${otherDigest}, but the release pins ${locked.digest}`);
    await expect(skopeo("inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/taken/alga-appliance-release:${version}`)).rejects.toThrow();
  }, 120_000);

  it("refuses a stale lock (the checkout builds another digest) before anything is published", async () => {
    const stale = await runCli("publish", ["--release", version, "--registry", `${registry.host}/stale`, "--plain-http", "--skip-preflight"], {
      cwd: dir,
      env: env({ SOURCE_DATE_EPOCH: "1767225601" }),
    });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`stale: the lock pins ${statusReference}@${locked.digest}, but this checkout builds sha256:`);
    expect(stale.stderr).toContain(`run npm run lock -- --release ${version} and npm run synth -- --release ${version}`);
    for (const repository of ["alga-appliance-status", "alga-appliance-config", "alga-appliance-release"]) {
      await expect(skopeo("inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/stale/${repository}:${version}`), repository).rejects.toThrow();
    }
  }, 120_000);
});
