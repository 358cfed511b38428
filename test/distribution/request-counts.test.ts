/**
 * Issue 11, point 2 (done with issue 7): a cold publish does each thing once. Counted through the
 * fault proxy (no faults), against a real docker-registry: one ping, one HEAD per blob, a
 * cross-repository mount only for a blob the bundle's repository holds (so never a refused mount
 * and its DELETE), and a bounded number of tag requests (the check, the check just before the
 * write, and the read-back that issue 7 requires).
 */
import { renameSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishRelease } from "../../src/distribution/publish-release.js";
import { openReleaseStore } from "../../src/distribution/release-store.js";
import { openStagedRelease } from "../../src/distribution/staged-release.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";

let registry: RunningRegistry;
let proxy: FaultProxy;
let dist: string;
beforeAll(async () => {
  [registry, dist] = await Promise.all([startRegistry(), stagedDist(["1.0-rc5", "1.0.0"])]);
  proxy = await startFaultProxy(registry.host);
});
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});

const count = (method: string, path: RegExp) => proxy.requests.filter((request) => request.method === method && path.test(request.path)).length;

describe("a cold publish through the CLI", () => {
  it("pings once, HEADs each blob once, mounts only what it knows is there", async () => {
    const result = await runCli("publish", ["--dist", dist, "--release", "1.0-rc5", "--registry", `${proxy.host}/counted`, "--plain-http", "--channel", "stable", "--skip-preflight", "--allow-unpinned", "--json"]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(count("GET", /^\/v2\/$/)).toBe(1);

    const blobHeads = proxy.requests.filter((request) => request.method === "HEAD" && /\/blobs\/sha256:/.test(request.path)).map((request) => request.path);
    expect(blobHeads.length).toBeGreaterThan(0);
    expect(new Set(blobHeads).size).toBe(blobHeads.length);

    // The empty JSON blob both artifacts share is mounted from the bundle's repository; nothing else is tried.
    expect(count("POST", /mount=/)).toBe(1);
    expect(proxy.requests.find((request) => /mount=/.test(request.path))?.status).toBe(201);
    expect(count("DELETE", /./)).toBe(0);

    // Per version tag: the check before uploading, the check just before the PUT, the read-back.
    for (const repository of ["alga-appliance-config", "alga-appliance-release"]) {
      expect(count("HEAD", new RegExp(`/${repository}/manifests/1\\.0-rc5$`)), repository).toBe(3);
      expect(count("PUT", new RegExp(`/${repository}/manifests/1\\.0-rc5$`)), repository).toBe(1);
    }
    // The channel tag: before the move, just before the PUT, the read-back, and once more before its statement is written.
    expect(count("HEAD", /\/alga-appliance-release\/manifests\/stable$/)).toBe(4);
    // The channel statement's current tag: read when planned, checked just before the PUT, read back.
    expect(count("HEAD", /\/alga-appliance-channels\/manifests\/stable$/)).toBe(3);
    expect(count("PUT", /\/alga-appliance-channels\/manifests\/stable$/)).toBe(1);

    // The two artifacts travel at once, in the order that matters: the shared blob is mounted only
    // after the bundle's repository has answered for it, the release manifest only after the
    // bundle's manifest is stored.
    const at = (method: string, path: RegExp) => proxy.requests.find((request) => request.method === method && path.test(request.path))!;
    const bundleManifest = at("PUT", /\/counted\/alga-appliance-config\/manifests\/sha256:/);
    const releaseManifest = at("PUT", /\/counted\/alga-appliance-release\/manifests\/sha256:/);
    expect(releaseManifest.arrived).toBeGreaterThan(bundleManifest.answered!);
    const mount = at("POST", /\/counted\/alga-appliance-release\/blobs\/uploads\/\?mount=/);
    const mounted = new URLSearchParams(mount.path.split("?")[1]).get("mount")!;
    const bundleUploads = proxy.requests.filter((request) => request.method === "PUT" && request.path.startsWith("/v2/counted/alga-appliance-config/blobs/uploads/"));
    const sharedUpload = bundleUploads.find((request) => new URLSearchParams(request.path.split("?")[1]).get("digest") === mounted)!;
    expect(mount.arrived).toBeGreaterThan(sharedUpload.answered!);
    // And the release's copy did not wait for the bundle's to begin: its blobs were asked about
    // before the bundle's manifest, which comes three exchanges into the bundle's copy, was sent.
    const releaseHead = at("HEAD", /\/counted\/alga-appliance-release\/blobs\/sha256:/);
    expect(releaseHead.arrived).toBeLessThan(bundleManifest.arrived);
  }, 60_000);

  it("a bundle manifest the registry does not store leaves the release manifest and every tag unwritten", async () => {
    proxy.addRule({ method: "PUT", path: /\/refused\/alga-appliance-config\/manifests\/sha256:/, fault: "reset-before", times: 100 });
    try {
      const result = await runCli("publish", ["--dist", dist, "--release", "1.0-rc5", "--registry", `${proxy.host}/refused`, "--plain-http", "--channel", "stable", "--skip-preflight", "--allow-unpinned"]);
      expect(result.code, result.stderr).toBe(1);
    } finally {
      proxy.clearRules();
    }
    const written = proxy.requests.filter((request) => request.method === "PUT" && request.path.startsWith("/v2/refused/") && request.status !== undefined);
    expect(written.some((request) => /\/manifests\//.test(request.path))).toBe(false);
    // The release's blobs may have gone up meanwhile: blobs are not reachable from any tag.
    expect(written.every((request) => /\/blobs\/uploads\//.test(request.path))).toBe(true);
  }, 60_000);
});

const SENTINEL = "counted-up-to-here";

describe("a publish into an OCI image layout", () => {
  it("writes each repository's index.json once, however many manifests and tags it adds", async () => {
    const root = join(tempDir(), "oci-layout");
    const store = () => openReleaseStore({ ociLayout: root });
    await publishRelease(await openStagedRelease(dist, "1.0-rc5"), store());
    // Every atomic replacement of index.json is a rename onto it: count them with inotify. inotify
    // reports a directory's events in order, so once a sentinel renamed in after the publish has
    // been seen, every rename of the publish has been counted (no waiting for a quiet moment).
    const writes: Record<string, number> = { "alga-appliance-config": 0, "alga-appliance-release": 0 };
    const sentinelSeen = new Map<string, () => void>();
    const watchers = Object.keys(writes).map((repository) =>
      watch(join(root, repository), (event, file) => {
        if (event === "rename" && file === "index.json") writes[repository]!++;
        if (file === SENTINEL) sentinelSeen.get(repository)?.();
      }),
    );
    try {
      // A new version: the bundle manifest, the release manifest, two version tags and two channels.
      await publishRelease(await openStagedRelease(dist, "1.0.0"), store(), { channels: ["stable", "nightly"] });
      await Promise.all(
        Object.keys(writes).map(async (repository) => {
          const seen = new Promise<void>((resolve) => sentinelSeen.set(repository, resolve));
          writeFileSync(join(root, `${repository}.${SENTINEL}`), "");
          renameSync(join(root, `${repository}.${SENTINEL}`), join(root, repository, SENTINEL));
          await seen;
        }),
      );
    } finally {
      for (const watcher of watchers) watcher.close();
    }
    expect(writes).toEqual({ "alga-appliance-config": 1, "alga-appliance-release": 1 });
    expect(await store().release.listTags()).toEqual(["1.0-rc5", "1.0.0", "nightly", "stable"]);
  });
});
