/**
 * Issue 19 points 1, 2 and 5 (without the runtime): `npm run image` builds the status image on a
 * two-platform Node.js base in a real docker-registry, skopeo reads it, a rebuild uploads nothing,
 * a rebuild from another checkout path under another umask and time zone gives the same digests,
 * and the SBOM attestation verifies with `npm run verify -- --image`.
 */
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyCheckout } from "../support/checkout-copy.js";
import { pushNodeBaseImage, type NodeBaseImage } from "../support/node-base-image.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { releaseBuildingOn } from "./status-image-release.js";

const run = promisify(execFile);
const EPOCH = "1767225600";
const NO_CREDENTIALS = { OCI_USERNAME: undefined, OCI_PASSWORD: undefined, OCI_TOKEN: undefined, DOCKER_CONFIG: tempDir("ark-no-docker-config-") } as unknown as NodeJS.ProcessEnv;
const env = (extra: Record<string, string> = {}) => ({ ...NO_CREDENTIALS, SOURCE_DATE_EPOCH: EPOCH, SIGNING_KEY_FILE: undefined, ...extra }) as unknown as NodeJS.ProcessEnv;

let registry: RunningRegistry;
let base: NodeBaseImage;
let releaseFile: string;
let built: { reference: string; digest: string; platforms: { platform: string; digest: string }[]; layer: string; blobsUploaded: number; attestation?: string; sbom: string };
const keys = tempDir("ark-image-keys-");

beforeAll(async () => {
  registry = await startRegistry();
  base = await pushNodeBaseImage(registry.host);
  releaseFile = releaseBuildingOn(base.reference);
  const pair = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  writeFileSync(join(keys, "release.key"), pair.privateKey.export({ type: "pkcs8", format: "pem" }));
  writeFileSync(join(keys, "release.pub"), pair.publicKey.export({ type: "spki", format: "pem" }));
  const other = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  writeFileSync(join(keys, "other.pub"), other.publicKey.export({ type: "spki", format: "pem" }));
  const result = await runCli("image", ["--service", "status", "--release", releaseFile, "--registry", `${registry.host}/ark`, "--plain-http", "--sign-key", join(keys, "release.key"), "--json"], { env: env() });
  if (result.code !== 0) throw new Error(`npm run image failed: ${result.stderr}`);
  built = JSON.parse(result.stdout);
}, 240_000);

afterAll(async () => {
  await registry?.stop();
});

/** Runs `node <checkout>/bin/command.cjs …` from that checkout, after `shellPrefix` (e.g. a umask). */
async function runIn(checkout: string, argv: string[], environment: NodeJS.ProcessEnv, shellPrefix: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("sh", ["-c", `${shellPrefix} exec "$0" "$@"`, process.execPath, join(checkout, "bin", "command.cjs"), ...argv], {
      cwd: checkout,
      env: { ...process.env, ...environment },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

const skopeo = async (...args: string[]) => (await run("skopeo", args, { maxBuffer: 64 * 1024 * 1024 })).stdout;

describe("npm run image into a registry", () => {
  it("prints the reference with its digest and pushes a two-platform index skopeo reads", async () => {
    expect(built.reference).toBe(`${registry.host}/ark/alga-appliance-status:1.0.0@${built.digest}`);
    const index = JSON.parse(await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/ark/alga-appliance-status:1.0.0`));
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual(["amd64", "arm64"]);
    expect(index.manifests.map((m: { digest: string }) => m.digest)).toEqual(built.platforms.map((p) => p.digest));

    const amd64 = JSON.parse(await skopeo("inspect", "--tls-verify=false", "--override-os", "linux", "--override-arch", "amd64", `docker://${registry.host}/ark/alga-appliance-status:1.0.0`));
    // skopeo names the digest of what the tag holds (the index); the layers are amd64's.
    expect(amd64.Digest).toBe(built.digest);
    expect(amd64.Labels).toMatchObject({ "org.opencontainers.image.version": "1.0.0", "org.opencontainers.image.created": "2026-01-01T00:00:00Z" });
    expect(amd64.Layers).toHaveLength(2);
    expect(amd64.Layers[1]).toBe(built.layer);
    const config = JSON.parse(await skopeo("inspect", "--config", "--tls-verify=false", "--override-os", "linux", "--override-arch", "arm64", `docker://${registry.host}/ark/alga-appliance-status:1.0.0`));
    expect(config.architecture).toBe("arm64");
    expect(config.config).toMatchObject({ User: "65532:65532", WorkingDir: "/app", ExposedPorts: { "8090/tcp": {} }, Entrypoint: ["/nodejs/bin/node", "/app/status-service.cjs"] });
    expect(config.rootfs.diff_ids).toHaveLength(2);
    expect(config.history).toHaveLength(2);
  });

  it("uploads nothing when the image is built again, and adds no second attestation", async () => {
    const again = await runCli("image", ["--service", "status", "--release", releaseFile, "--registry", `${registry.host}/ark`, "--plain-http", "--sign-key", join(keys, "release.key"), "--json"], { env: env() });
    expect(again.code, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout);
    expect(report).toMatchObject({ digest: built.digest, blobsUploaded: 0, bytesUploaded: 0, sbom: built.sbom, attestation: built.attestation });
    const referrers = JSON.parse(await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/ark/alga-appliance-status:${built.digest.replace(":", "-")}`));
    expect(referrers.manifests.map((m: { artifactType: string }) => m.artifactType).sort()).toEqual(["application/spdx+json", "application/vnd.dev.sigstore.bundle.v0.3+json"]);
  });

  it("gives the same digests from a copy of the checkout in another path, umask and time zone, into an OCI layout", async () => {
    const checkout = copyCheckout();
    const layout = tempDir("ark-image-layout-");
    // The copy's own launcher, so the copy's sources are bundled (rebuilt there: it has no build/).
    const copy = await runIn(checkout, ["image", "--service", "status", "--release", releaseFile, "--oci-layout", layout, "--json"], env({ TZ: "Pacific/Chatham" }), "umask 077;");
    expect(copy.stderr).toMatch(/rebuilt image, status-service in build\//);
    expect(copy.code, copy.stderr).toBe(0);
    const report = JSON.parse(copy.stdout);
    expect(report.digest).toBe(built.digest);
    expect(report.platforms).toEqual(built.platforms);
    expect(report.layer).toBe(built.layer);
    expect(report.sbom).toBe(built.sbom);
    // skopeo reads the layout too.
    const fromLayout = JSON.parse(await skopeo("inspect", "--raw", `oci:${layout}/alga-appliance-status:1.0.0`));
    expect(fromLayout.manifests.map((m: { digest: string }) => m.digest)).toEqual(built.platforms.map((p) => p.digest));
  }, 240_000);

  it("refuses to move the version tag to a different build (another SOURCE_DATE_EPOCH), writing no tag", async () => {
    const changed = await runCli("image", ["--service", "status", "--release", releaseFile, "--registry", `${registry.host}/ark`, "--plain-http"], { env: env({ SOURCE_DATE_EPOCH: "1767225601" }) });
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(new RegExp(`alga-appliance-status:1\\.0\\.0 already holds ${built.digest}, but this checkout builds sha256:[0-9a-f]{64}.*new version`));
    const index = JSON.parse(await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/ark/alga-appliance-status:1.0.0`));
    expect(index.manifests.map((m: { digest: string }) => m.digest)).toEqual(built.platforms.map((p) => p.digest));
  });

  it("verify checks the SBOM attestation and says what the SBOM holds", async () => {
    const verified = await runCli("verify", ["--image", "1.0.0", "--key", join(keys, "release.pub"), "--registry", `${registry.host}/ark`, "--plain-http", "--json"], { env: env() });
    expect(verified.code, verified.stderr).toBe(0);
    const result = JSON.parse(verified.stdout);
    expect(result.digest).toBe(built.digest);
    expect(result.sbom.packages[0]).toMatchObject({ name: "alga-appliance-status", version: "1.0.0" });
    expect(result.sbom.packages).toContainEqual(expect.objectContaining({ name: "zod", license: "MIT", purl: expect.stringMatching(/^pkg:npm\/zod@4\./) }));
    const text = await runCli("verify", ["--image", "1.0.0", "--key", join(keys, "release.pub"), "--registry", `${registry.host}/ark`, "--plain-http"], { env: env() });
    expect(text.stdout).toMatch(/\byaml@\S+ ISC/);

    const wrongKey = await runCli("verify", ["--image", "1.0.0", "--key", join(keys, "other.pub"), "--registry", `${registry.host}/ark`, "--plain-http"], { env: env() });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/no SBOM attestation that verifies:\n.*signature does not verify with any given key/);
  });

  it("refuses a base that is not pinned by digest, naming the file and field; and bad usage with exit 2", async () => {
    const unpinned = releaseBuildingOn(base.reference.replace(/@sha256:.*/, ""), "1.0.1");
    const refused = await runCli("image", ["--service", "status", "--release", unpinned, "--registry", `${registry.host}/ark`, "--plain-http"], { env: env() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(unpinned);
    expect(refused.stderr).toMatch(/statusService\.build\.base.*pinned by digest/);
    const usage = await runCli("image", ["--release", releaseFile], { env: env() });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--service is required/);
    const platform = await runCli("image", ["--service", "status", "--release", releaseFile, "--platform", "linux/s390x", "--oci-layout", tempDir()], { env: env({ ARK_TIMEOUT: "60s" }) });
    expect(platform.code).toBe(1);
    expect(platform.stderr).toMatch(/has no linux\/s390x image \(it offers linux\/amd64, linux\/arm64\)/);
  });
});

describe("the base in the release's lock", () => {
  it("npm run lock records statusService.build.base like any other image (offline: from its pin, the image built on a mirror of the base; the other images' registries are not reachable here)", async () => {
    const file = releaseBuildingOn(base.reference, "1.0.2");
    // Offline, the base cannot be read from its registry to build the image: a mirror layout is named.
    const refused = await runCli("lock", ["--release", file, "--offline"], { env: env() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${file}: statusService.build: --offline cannot read the base ${base.reference}`);
    expect(refused.stderr).toContain("--base-layout DIR");
    // A mirror written by another tool (skopeo), digests preserved.
    const mirror = tempDir("ark-base-mirror-");
    await skopeo("copy", "--all", "--preserve-digests", "--src-tls-verify=false", `docker://${base.reference.replace(/@sha256:.*/, "")}`, `oci:${mirror}:22`);
    const locked = await runCli("lock", ["--release", file, "--offline", "--base-layout", mirror, "--json"], { env: env() });
    expect(locked.code, locked.stderr + locked.stdout).toBe(0);
    const lock = readFileSync(file.replace(/\.yaml$/, ".lock.yaml"), "utf8");
    expect(lock).toContain(`- reference: ${base.reference.replace(/@sha256:.*/, "")}\n    digest: ${base.index.digest}`);
    const status = JSON.parse(locked.stdout).lock.images.find((entry: { reference: string }) => entry.reference === "ghcr.io/nine-minds/alga-appliance-status:1.0.2");
    expect(status).toMatchObject({ mediaType: "application/vnd.oci.image.index.v1+json", platforms: ["linux/amd64", "linux/arm64"], built: { base: base.index.digest } });
  }, 120_000);
});
