/**
 * Issue 18, point 5, end to end with clients nobody here wrote: an offline release is exported,
 * imported into a second registry standing for the appliance's local registry, and the registries
 * it came from are stopped. Then containerd, configured with exactly the mirrors synth wrote into
 * k3s's registries.yaml (k3s turns each into a hosts.toml the same way; only the ClusterIP is
 * replaced by the test registry's address), fetches every pinned image reference of the lock
 * unchanged, and every chart and the config bundle are where Flux's rendered sources look.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { localRelease, pushMultiPlatformImage } from "../support/reference-images.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { RELEASES_DIR } from "../support/rendered.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { containerdUnavailable, startContainerd, type RunningContainerd } from "./containerd.js";

const run = promisify(execFile);
const VERSION = "6.0.0";
/** The local registry's address as synth renders it (the release's default ClusterIP and port). */
const CLUSTER_ENDPOINT = "10.43.0.50:5000";

let source: RunningRegistry;
let local: RunningRegistry;
let containerd: RunningContainerd;
let dir: string;
let hostsDir: string;
let lock: { images: { reference: string; digest: string }[]; charts: { reference: string; digest: string }[] };

beforeAll(async () => {
  const unavailable = containerdUnavailable();
  if (unavailable) throw new Error(`containerd cannot run here: ${unavailable}`);
  [source, local, containerd] = await Promise.all([startRegistry(), startRegistry(), startContainerd()]);
  dir = tempDir("airgap-mirror-");
  const fixture = await localRelease(dir, source.host, { version: VERSION });
  const registryDigest = await pushMultiPlatformImage(fixture.client, `${fixture.base.slice(fixture.base.indexOf("/") + 1)}/library/registry`, "3.0.0");
  cpSync(join(RELEASES_DIR, "iso"), join(dir, "releases", "iso"), { recursive: true });
  const file = join(dir, "releases", `${VERSION}.yaml`);
  const release = parse(readFileSync(file, "utf8"));
  release.distribution = { mode: "offline", registry: { image: `${fixture.base}/library/registry:3.0.0@${registryDigest}` } };
  release.waivers.push({ policy: "restricted-pod-security", object: "Deployment alga-appliance-registry/appliance-registry", fields: ["spec.template.spec.volumes[0].hostPath"], reason: "the local registry keeps its storage on the host" });
  writeFileSync(file, stringify(release));
  for (const [command, args] of [
    ["lock", ["--release", VERSION]],
    ["synth", ["--release", VERSION]],
    ["publish", ["--release", VERSION, "--registry", `${source.host}/alga`, "--plain-http"]],
    // Both platforms: Debian's docker-registry (distribution 2.8) refuses an index whose other platforms are absent.
    ["airgap", ["export", "--release", VERSION, "--registry", `${source.host}/alga`, "--plain-http", "--platform", "linux/amd64,linux/arm64", "--out", "release.tar"]],
    ["airgap", ["import", "--file", "release.tar", "--registry", `${local.host}/alga`, "--plain-http"]],
  ] as const) {
    const result = await runCli(command, [...args], { cwd: dir });
    expect(result.code, `${command}: ${result.stderr}`).toBe(0);
  }
  lock = parse(readFileSync(join(dir, "releases", `${VERSION}.lock.yaml`), "utf8"));
  // From now on the registries the release names are gone: only the local registry answers.
  await source.stop();
  const registries = parse(readFileSync(join(dir, "dist", VERSION, "iso/overlay/etc/rancher/k3s/registries.yaml"), "utf8")) as { mirrors: Record<string, { endpoint: string[] }> };
  expect(registries.mirrors).toEqual({ [source.host]: { endpoint: [`http://${CLUSTER_ENDPOINT}`] } });
  hostsDir = join(dir, "hosts.d");
  for (const [host, mirror] of Object.entries(registries.mirrors)) {
    mkdirSync(join(hostsDir, host), { recursive: true });
    const endpoints = mirror.endpoint.map((endpoint) => endpoint.replace(CLUSTER_ENDPOINT, local.host));
    writeFileSync(join(hostsDir, host, "hosts.toml"), endpoints.map((endpoint) => `[host."${endpoint}"]\n  capabilities = ["pull", "resolve"]\n`).join(""));
  }
}, 600_000);

afterAll(async () => {
  await Promise.all([source?.stop(), local?.stop(), containerd?.stop()]);
});

describe("an offline appliance after airgap import", () => {
  it("containerd, with synth's mirrors and the original registries gone, fetches every locked image by its pinned reference, unchanged", async () => {
    expect(lock.images.length).toBe(9);
    for (const image of lock.images) {
      const reference = `${image.reference}@${image.digest}`;
      await expect(run("/usr/bin/ctr", ["--address", containerd.socket, "-n", "k8s.io", "content", "fetch", "--hosts-dir", hostsDir, reference]), reference).resolves.toBeDefined();
    }
    // A digest the import did not bring is not found: the fetches above came from the local registry.
    const missing = `${lock.images[0]!.reference}@sha256:${"0".repeat(64)}`;
    await expect(run("/usr/bin/ctr", ["--address", containerd.socket, "-n", "k8s.io", "content", "fetch", "--hosts-dir", hostsDir, missing])).rejects.toThrow();
  }, 300_000);

  it("holds every chart and the config bundle where the rendered Flux sources look for them", async () => {
    const client = new RegistryClient({ registry: local.host, plainHttp: true });
    const decoder = (path: string) => parseAllDocuments(readFileSync(join(dir, "dist", VERSION, path), "utf8")).map((document) => document.toJS());
    const sources = ["config/core/alga-core.yaml", "config/core/pgbouncer.yaml", "config/background/temporal.yaml", "flux/source.yaml"].flatMap(decoder).filter((object) => object.kind === "OCIRepository");
    expect(sources).toHaveLength(4);
    for (const object of sources) {
      expect(object.spec.insecure).toBe(true);
      expect(object.spec.url.startsWith(`oci://${CLUSTER_ENDPOINT}/`)).toBe(true);
      const repository = object.spec.url.slice(`oci://${CLUSTER_ENDPOINT}/`.length);
      expect(await client.repository(repository).resolve(object.spec.ref.digest), object.spec.url).toBeDefined();
    }
  }, 120_000);
});
