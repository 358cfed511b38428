/**
 * Issue 15 point 5 (the distribution side): messages that point at the real cause. Real processes,
 * a real registry and a real layout.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { vi, afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishRelease } from "../../src/distribution/publish-release.js";
import { openReleaseStore } from "../../src/distribution/release-store.js";
import { openStagedRelease } from "../../src/distribution/staged-release.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";

// Real processes on a shared, loaded machine: each test spawns several commands.
vi.setConfig({ testTimeout: 120000 });

let registry: RunningRegistry;
let dist: string;
beforeAll(async () => {
  [registry, dist] = await Promise.all([startRegistry(), stagedDist(["1.0-rc5"])]);
  const store = openReleaseStore({ registry: `${registry.host}/messages`, plainHttp: true });
  await publishRelease(await openStagedRelease(dist, "1.0-rc5"), store, { channels: ["stable", "nightly"] });
});
afterAll(async () => {
  await registry?.stop();
});

describe("messages that point at the real cause", () => {
  it("channels --oci-layout of a directory that does not exist is an error, not 'versions: none'", async () => {
    const missing = join(tempDir(), "no-such-layout");
    const result = await runCli("channels", ["--oci-layout", missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${missing}: no OCI image layout there`);
    expect(result.stdout).not.toContain("versions: none");
    expect(existsSync(missing)).toBe(false);
  });

  it("--channel stabel says there is no such channel and names the channels there are", async () => {
    const target = ["--registry", `${registry.host}/messages`, "--plain-http"];
    const pulled = await runCli("pull", ["--channel", "stabel", ...target, "--out", join(tempDir(), "out")]);
    expect(pulled.code).toBe(1);
    expect(pulled.stderr).toMatch(/alga-appliance-release:stabel: no such channel stabel; its channels: nightly, stable/);
  });
});
