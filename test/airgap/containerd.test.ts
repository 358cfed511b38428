/**
 * Issue 18's proof with clients nobody here wrote: containerd (with runc) imports the archive as
 * `ctr -n k8s.io images import` (what k3s's auto-import does with /var/lib/rancher/k3s/agent/images/),
 * the images resolve by the pinned references the way the kubelet asks (CRI ImageStatus over
 * containerd's socket), and a small image from the archive runs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createDeterministicTar } from "../../src/bundle/tar-writer.js";
import { deterministicGzip } from "../../src/bundle/gzip.js";
import { buildArtifact } from "../../src/oci/build-artifact.js";
import { sha256Digest } from "../../src/oci/digest.js";
import { localRelease } from "../support/reference-images.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { containerdUnavailable, startContainerd, type RunningContainerd } from "./containerd.js";

// Not skipped: where containerd cannot run, the test fails with the reason.
let registry: RunningRegistry;
let containerd: RunningContainerd;
let dir: string;
let base: string;
let archive: string;
let lock: { images: { reference: string; digest: string }[] };
let runnable: string;

/** A runnable image: busybox's static binary as /bin/busybox, echoing a line. */
function busyboxImage() {
  const tar = createDeterministicTar([{ type: "file", path: "bin/busybox", data: readFileSync("/bin/busybox"), executable: true }]);
  const config = {
    architecture: "amd64",
    os: "linux",
    config: { Entrypoint: ["/bin/busybox"], Cmd: ["echo", "hello from the archive"] },
    rootfs: { type: "layers", diff_ids: [sha256Digest(tar)] },
  };
  return buildArtifact({
    config: { mediaType: "application/vnd.oci.image.config.v1+json", data: new TextEncoder().encode(JSON.stringify(config)) },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", data: deterministicGzip(tar) }],
  });
}

beforeAll(async () => {
  const unavailable = containerdUnavailable();
  if (unavailable) throw new Error(`containerd cannot run here: ${unavailable}`);
  [registry, containerd] = await Promise.all([startRegistry(), startContainerd()]);
  dir = tempDir("airgap-ctrd-");
  const fixture = await localRelease(dir, registry.host, { version: "4.0.0" });
  base = fixture.base;
  // The control plane becomes a real, runnable image (the others are tiny stand-ins that only resolve).
  const image = busyboxImage();
  const repository = fixture.client.repository(`${base.slice(base.indexOf("/") + 1)}/nine-minds/control-plane`);
  for (const blob of [image.config, ...image.layers]) await repository.pushBlob(blob.descriptor, blob.data);
  runnable = (await repository.pushManifest(image.manifest.data, image.manifest.descriptor.mediaType, "build-1")).digest;
  for (const [command, args] of [
    ["lock", ["--release", "4.0.0"]],
    ["synth", ["--release", "4.0.0"]],
    ["publish", ["--release", "4.0.0", "--registry", `${registry.host}/alga`, "--plain-http"]],
    ["airgap", ["export", "--release", "4.0.0", "--registry", `${registry.host}/alga`, "--plain-http", "--out", "release.tar"]],
  ] as const) {
    const result = await runCli(command, [...args], { cwd: dir });
    expect(result.code, `${command}: ${result.stderr}`).toBe(0);
  }
  archive = join(dir, "release.tar");
  lock = parse(readFileSync(join(dir, "releases", "4.0.0.lock.yaml"), "utf8"));
}, 300_000);

afterAll(async () => {
  await Promise.all([registry?.stop(), containerd?.stop()]);
});

describe("containerd imports the archive and serves pods by their pinned references", () => {
  it("ctr -n k8s.io images import, then CRI ImageStatus finds every locked image as repo:tag@sha256:… (alga-core's index on linux/amd64 alone)", async () => {
    // --no-unpack: the stand-in images' layers are not real file systems (unpacking is the runtime's
    // business when a container starts; the runnable image below is unpacked by ctr run).
    await containerd.ctr("-n", "k8s.io", "images", "import", "--no-unpack", archive);
    const listed = (await containerd.ctr("-n", "k8s.io", "images", "list", "-q")).stdout.split("\n");
    expect(listed).toContain(`${base}/nine-minds/pgbouncer:build-1`);
    expect(lock.images.length).toBe(8);
    for (const image of lock.images) {
      // What a pod spec rendered from the lock names, and the kubelet asks the runtime for.
      const status = await containerd.imageStatus(`${image.reference}@${image.digest}`);
      expect(status, `${image.reference}@${image.digest}`).toBeDefined();
      expect(status!.repoDigests).toContain(`${image.reference.slice(0, image.reference.lastIndexOf(":"))}@${image.digest}`);
    }
    // A reference the archive does not hold is not found: ImageStatus answers by what was imported.
    expect(await containerd.imageStatus(`${base}/nine-minds/pgbouncer:build-1@sha256:${"0".repeat(64)}`)).toBeUndefined();
  }, 300_000);

  it("a small image from the archive runs with ctr run", async () => {
    const name = `${base}/nine-minds/control-plane:build-1`;
    const { stdout } = await containerd.ctr("-n", "k8s.io", "run", "--rm", "--snapshotter", "native", `${name}@${runnable}`.replace(/:build-1@/, "@"), "airgap-proof");
    expect(stdout).toContain("hello from the archive");
  }, 300_000);
});
