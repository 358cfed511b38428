/**
 * Issue 18, point 5: the offline ISO's bootstrap images. `airgap bootstrap` writes exactly the local
 * registry, the control plane and the status service, at their pinned digests, into k3s's
 * auto-import directory of the overlay; containerd (Debian's, a real one) imports the archive as
 * k3s does and then resolves the three images by the references their pods name.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { pushMultiPlatformImage, localRelease } from "../support/reference-images.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { containerdUnavailable, startContainerd, type RunningContainerd } from "./containerd.js";

const VERSION = "5.0.0";
const ARCHIVE_PATH = "overlay/var/lib/rancher/k3s/agent/images/alga-bootstrap.tar";

let registry: RunningRegistry;
let containerd: RunningContainerd;
let dir: string;
/** The three pinned references the archive must hold, `repo:tag@sha256:…`. */
let pinned: { registry: string; controlPlane: string; statusService: string };
let first: { digest: string; images: string[] };

function indexOf(archive: string): { manifests: { digest: string; annotations: Record<string, string> }[] } {
  // GNU tar reads the archive: a client nobody here wrote.
  return JSON.parse(execFileSync("tar", ["-xOf", archive, "index.json"], { encoding: "utf8" }));
}

beforeAll(async () => {
  const unavailable = containerdUnavailable();
  if (unavailable) throw new Error(`containerd cannot run here: ${unavailable}`);
  [registry, containerd] = await Promise.all([startRegistry(), startContainerd()]);
  dir = tempDir("airgap-boot-");
  const fixture = await localRelease(dir, registry.host, { version: VERSION });
  // The registry image as Docker Hub serves it: a multi-platform index, official images under library/.
  const registryDigest = await pushMultiPlatformImage(fixture.client, `${fixture.base.slice(fixture.base.indexOf("/") + 1)}/library/registry`, "3.0.0");
  const file = join(dir, "releases", `${VERSION}.yaml`);
  const release = parse(readFileSync(file, "utf8"));
  release.distribution = { mode: "offline", registry: { image: `${fixture.base}/library/registry:3.0.0@${registryDigest}` } };
  release.waivers.push({
    policy: "restricted-pod-security",
    object: "Deployment alga-appliance-registry/appliance-registry",
    fields: ["spec.template.spec.volumes[0].hostPath"],
    reason: "the local registry keeps its storage on the host",
  });
  writeFileSync(file, stringify(release));
  // An online release beside it, to be refused.
  writeFileSync(join(dir, "releases", "5.0.1.yaml"), stringify({ ...release, version: "5.0.1", distribution: undefined }));
  for (const [command, args] of [
    ["lock", ["--release", VERSION]],
    ["synth", ["--release", VERSION]],
    ["airgap", ["bootstrap", "--release", VERSION, "--overlay", "overlay", "--json"]],
  ] as const) {
    const result = await runCli(command, [...args], { cwd: dir });
    expect(result.code, `${command}: ${result.stderr}`).toBe(0);
    if (command === "airgap") first = JSON.parse(result.stdout);
  }
  const lock = parse(readFileSync(join(dir, "releases", `${VERSION}.lock.yaml`), "utf8")) as { images: { reference: string; digest: string }[] };
  const at = (suffix: string) => {
    const entry = lock.images.find((image) => image.reference.endsWith(suffix))!;
    return `${entry.reference}@${entry.digest}`;
  };
  pinned = { registry: at("/library/registry:3.0.0"), controlPlane: at("/nine-minds/control-plane:build-1"), statusService: at("/nine-minds/status-service:build-1") };
  expect(pinned.registry.endsWith(registryDigest)).toBe(true);
}, 300_000);

afterAll(async () => {
  await Promise.all([registry?.stop(), containerd?.stop()]);
});

describe("airgap bootstrap", () => {
  it("writes into the overlay's k3s image directory exactly the registry, control-plane and status images, each named as its pods name it", () => {
    const archive = join(dir, ARCHIVE_PATH);
    expect(existsSync(archive)).toBe(true);
    expect(first.images).toEqual([pinned.registry, pinned.controlPlane, pinned.statusService]);
    const { manifests } = indexOf(archive);
    const digests = new Set(manifests.map((entry) => entry.digest));
    expect([...digests].sort()).toEqual([pinned.registry, pinned.controlPlane, pinned.statusService].map((reference) => reference.slice(reference.indexOf("@") + 1)).sort());
    const names = manifests.map((entry) => entry.annotations["io.containerd.image.name"]);
    for (const entry of manifests) expect(entry.annotations["io.containerd.image.name"]).toBe(entry.annotations["org.opencontainers.image.ref.name"]);
    // repo:tag and repo@sha256:… for each image; nothing else (no signatures, no release artifact).
    const expected = Object.values(pinned).flatMap((reference) => [reference.slice(0, reference.indexOf("@")), reference.replace(/:[^:/@]+@/, "@")]);
    expect([...names].sort()).toEqual(expected.sort());
  });

  it("gives the same bytes on a second run", async () => {
    const again = await runCli("airgap", ["bootstrap", "--release", VERSION, "--out", "again.tar", "--json"], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).digest).toBe(first.digest);
    expect(readFileSync(join(dir, "again.tar")).equals(readFileSync(join(dir, ARCHIVE_PATH)))).toBe(true);
  });

  it("refuses an online release, naming the file and the setting, and writes nothing", async () => {
    const online = await runCli("airgap", ["bootstrap", "--release", "5.0.1", "--out", "online.tar"], { cwd: dir });
    expect(online.code).toBe(1);
    expect(online.stderr).toContain("5.0.1.yaml: distribution: the release is online");
    expect(online.stderr).toContain("mode: offline");
    expect(existsSync(join(dir, "online.tar"))).toBe(false);
    const help = await runCli("airgap", ["bootstrap", "--help"], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("DIR/var/lib/rancher/k3s/agent/images/alga-bootstrap.tar");
    expect((await runCli("airgap", ["--help"], { cwd: dir })).stdout).toContain("npm run airgap -- bootstrap");
    const usage = await runCli("airgap", ["bootstrap", "--release", VERSION], { cwd: dir });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("give exactly one of --overlay DIR and --out FILE.tar");
  });

  it("is what containerd imports, as k3s's auto-import does, and then resolves the three pinned references as the kubelet asks", async () => {
    await containerd.ctr("-n", "k8s.io", "images", "import", "--no-unpack", join(dir, ARCHIVE_PATH));
    for (const reference of Object.values(pinned)) {
      const status = await containerd.imageStatus(reference);
      expect(status, reference).toBeDefined();
      expect(status!.repoDigests).toContain(reference.replace(/:[^:/@]+@/, "@"));
    }
    // Nothing else came with it: a component image of the release is not there.
    const lock = parse(readFileSync(join(dir, "releases", `${VERSION}.lock.yaml`), "utf8")) as { images: { reference: string; digest: string }[] };
    const pgbouncer = lock.images.find((image) => image.reference.includes("/pgbouncer:"))!;
    expect(await containerd.imageStatus(`${pgbouncer.reference}@${pgbouncer.digest}`)).toBeUndefined();
  }, 120_000);
});
