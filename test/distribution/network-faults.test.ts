/**
 * Issue 7, points 7, 8 and 9: what a flaky network does to publish and pull, against a real
 * docker-registry behind the project's fault-injecting proxy (test/support/fault-proxy.ts).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { publishRelease } from "../../src/distribution/publish-release.js";
import { pullRelease } from "../../src/distribution/pull-release.js";
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
let namespace = 0;

beforeAll(async () => {
  [registry, dist] = await Promise.all([startRegistry(), stagedDist(["1.0-rc5"])]);
  proxy = await startFaultProxy(registry.host);
});
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});
afterEach(() => proxy.clearRules());

/** A fresh namespace through the proxy, so every blob is uploaded again. */
const storeThroughProxy = () => openReleaseStore({ registry: `${proxy.host}/faults${namespace++}`, plainHttp: true });
const published = async () => {
  const store = storeThroughProxy();
  await publishRelease(await openStagedRelease(dist, "1.0-rc5"), store, { channels: ["stable"] });
  return store;
};

describe("a lost answer to the PUT that completes an upload (point 7)", () => {
  it.each(["503-after", "reset-after"] as const)("is recovered by finding the blob in place (%s)", async (fault) => {
    const before = proxy.requests.length;
    proxy.addRule({ method: "PUT", path: /\/blobs\/uploads\/.*digest=/, fault });
    const store = await published();
    const faulted = proxy.requests.slice(before).filter((request) => request.fault === fault);
    expect(faulted).toHaveLength(1);
    // The registry stored the blob; the client learned so by asking for it.
    const digest = decodeURIComponent(/digest=([^&]+)/.exec(faulted[0]!.path)![1]!);
    expect(proxy.requests.some((request) => request.method === "HEAD" && request.path.endsWith(`/blobs/${digest}`) && request.status === 200)).toBe(true);
    expect((await store.release.resolve("stable"))?.digest).toBeDefined();
  });
});

describe("a lost answer to the completing PUT, then retries of the same upload (issue 15 point 6)", () => {
  it.each([
    ["503-after", 2],
    ["reset-after", 3],
    ["503-after", 4],
    ["reset-after", 4],
  ] as const)("ending in BLOB_UPLOAD_UNKNOWN (or with every attempt lost) is settled by HEAD (%s, %i times)", async (fault, times) => {
    const before = proxy.requests.length;
    // One upload only (blobs go up in parallel): the bundle layer, the largest blob of the staged config layout.
    const blobs = join(dist, "1.0-rc5", "oci", "alga-appliance-config", "blobs", "sha256");
    const layer = readdirSync(blobs).sort((a, b) => statSync(join(blobs, b)).size - statSync(join(blobs, a)).size)[0]!;
    const digest = `sha256:${layer}`;
    proxy.addRule({ method: "PUT", path: new RegExp(`/blobs/uploads/.*digest=${encodeURIComponent(digest)}`), fault, times });
    const store = await published();
    const sameUpload = proxy.requests.slice(before).filter((request) => request.method === "PUT" && request.path.includes(`digest=${encodeURIComponent(digest)}`));
    // The lost answers, then (with fewer faults than attempts) the registry's own BLOB_UPLOAD_UNKNOWN (404) to the same session.
    expect(sameUpload.map((request) => request.status ?? request.fault)).toEqual([
      ...Array.from({ length: times }, () => (fault === "503-after" ? 503 : fault)),
      ...(times < 4 ? [404] : []),
    ]);
    expect(proxy.requests.some((request) => request.method === "HEAD" && request.path.endsWith(`/blobs/${digest}`) && request.status === 200)).toBe(true);
    expect((await store.release.resolve("stable"))?.digest).toBeDefined();
  });

  it("is settled by HEAD whatever refusal stands in for the lost answer", async () => {
    // Before: only a 5xx or BLOB_UPLOAD_UNKNOWN was settled; a 400 BLOB_UPLOAD_INVALID failed the publish though the blob was stored.
    const before = proxy.requests.length;
    proxy.addRule({ method: "PUT", path: /\/blobs\/uploads\/.*digest=/, fault: "400-upload-invalid-after" });
    const store = await published();
    const faulted = proxy.requests.slice(before).filter((request) => request.fault === "400-upload-invalid-after");
    expect(faulted).toHaveLength(1);
    const digest = decodeURIComponent(/digest=([^&]+)/.exec(faulted[0]!.path)![1]!);
    expect(proxy.requests.some((request) => request.method === "HEAD" && request.path.endsWith(`/blobs/${digest}`) && request.status === 200)).toBe(true);
    expect((await store.release.resolve("stable"))?.digest).toBeDefined();
  });
});

describe("a connection reset in the middle of a body (point 8)", () => {
  it.each([
    ["the bundle layer", /\/alga-appliance-config\/blobs\/sha256:/],
    // Asked for by the channel's tag (one GET, no HEAD first).
    ["the release manifest", /\/alga-appliance-release\/manifests\/stable$/],
  ])("of %s is read again, and the pull succeeds", async (_what, path) => {
    const store = await published();
    const before = proxy.requests.length;
    proxy.addRule({ method: "GET", path, fault: "reset-mid-body" });
    const out = join(tempDir(), "appliance");
    const report = await pullRelease(store, { reference: "stable", outDir: out });
    expect(proxy.requests.slice(before).filter((request) => request.fault === "reset-mid-body")).toHaveLength(1);
    expect(report.version).toBe("1.0-rc5");
    expect(readdirSync(join(out, "config")).length).toBeGreaterThan(0);
  });
});

describe("a connection that keeps breaking mid-body (point 8)", () => {
  it("fails the pull after the retries with a user-facing message naming the blob", async () => {
    await published();
    proxy.addRule({ method: "GET", path: /\/alga-appliance-config\/blobs\/sha256:/, fault: "reset-mid-body", times: 100 });
    const out = join(tempDir(), "appliance");
    const result = await runCli("pull", ["--registry", `${proxy.host}/faults${namespace - 1}`, "--plain-http", "--channel", "stable", "--out", out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the connection broke while reading blob sha256:[0-9a-f]{64} from 127\.0\.0\.1:\d+\/faults\d+\/alga-appliance-config, 4 times/);
    expect(result.stderr).not.toContain("ARK_DEBUG");
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});

describe("an overall deadline (point 9)", () => {
  it("ends a pull whose layer GET never answers, saying what it waited for", async () => {
    await published();
    proxy.addRule({ method: "GET", path: /\/alga-appliance-config\/blobs\/sha256:/, fault: "hang", times: 100 });
    const out = join(tempDir(), "appliance");
    const started = Date.now();
    const result = await runCli("pull", ["--registry", `${proxy.host}/faults${namespace - 1}`, "--plain-http", "--channel", "stable", "--out", out, "--timeout", "4s"]);
    const elapsed = Date.now() - started;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/timed out waiting for an answer to GET http:\/\/127\.0\.0\.1:\d+\/v2\/faults\d+\/alga-appliance-config\/blobs\/sha256:[0-9a-f]{64}/);
    expect(result.stderr).toContain("overall deadline of 4 s (--timeout 4s)");
    expect(result.stderr).not.toContain("ARK_DEBUG");
    // 4 s of budget plus process start-up on a loaded machine, far below attempts × per-request timeout.
    expect(elapsed).toBeLessThan(30_000);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it("is also read from ARK_TIMEOUT, and a malformed one is a usage error", async () => {
    const bad = await runCli("channels", ["--oci-layout", tempDir(), "--timeout", "soon"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--timeout "soon" is not a duration');
    const fromEnv = await runCli("channels", ["--oci-layout", tempDir()], { env: { ARK_TIMEOUT: "never" } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('ARK_TIMEOUT "never" is not a duration');
  }, 60_000);
});
