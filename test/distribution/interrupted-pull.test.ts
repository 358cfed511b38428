/**
 * Issue 7, point 10: a pull interrupted by SIGINT or SIGTERM removes its staging directory
 * (`OUT.pull-<pid>-XXXXXX`), and a later pull removes ones left by a pull that could not clean up
 * (SIGKILL). The layer GET is held forever by the fault proxy, so the pull is caught mid-work.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishRelease } from "../../src/distribution/publish-release.js";
import { pullRelease } from "../../src/distribution/pull-release.js";
import { openReleaseStore } from "../../src/distribution/release-store.js";
import { openStagedRelease } from "../../src/distribution/staged-release.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { spawnCli } from "../support/run-cli.js";
import { stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";

let registry: RunningRegistry;
let proxy: FaultProxy;
let layout: string;

beforeAll(async () => {
  const dist = await stagedDist(["1.0-rc5"]);
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host);
  const staged = await openStagedRelease(dist, "1.0-rc5");
  await publishRelease(staged, openReleaseStore({ registry: `${registry.host}/alga`, plainHttp: true }), { channels: ["stable"] });
  layout = join(tempDir(), "oci-layout");
  await publishRelease(staged, openReleaseStore({ ociLayout: layout }), { channels: ["stable"] });
}, 120_000);
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});

const stagingOf = (parent: string) => readdirSync(parent).filter((name) => name.startsWith("appliance.pull-"));

describe.each(["SIGINT", "SIGTERM"] as const)("a pull interrupted by %s", (signal) => {
  it("removes its staging directory and leaves no output", async () => {
    proxy.clearRules();
    proxy.addRule({ method: "GET", path: /\/alga-appliance-config\/blobs\/sha256:/, fault: "hang", times: 100 });
    const parent = tempDir();
    const out = join(parent, "appliance");
    const { child, done } = spawnCli("pull", ["--registry", `${proxy.host}/alga`, "--plain-http", "--channel", "stable", "--out", out, "--timeout", "60s"]);
    // Wait until the pull is stuck in the layer download with its staging directory in place.
    for (let waited = 0; stagingOf(parent).length === 0 && waited < 30_000; waited += 50) await delay(50);
    expect(stagingOf(parent)).toHaveLength(1);
    expect(stagingOf(parent)[0]).toMatch(new RegExp(`^appliance\\.pull-${child.pid}-[A-Za-z0-9]{6}$`));
    child.kill(signal);
    const result = await done;
    proxy.clearRules();
    expect(result.signal).toBe(signal);
    expect(readdirSync(parent)).toEqual([]);
  }, 60_000);
});

describe("a later pull", () => {
  it("removes staging directories whose pull is gone, and leaves a running pull's alone", async () => {
    const parent = tempDir();
    const out = join(parent, "appliance");
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    const stale = join(parent, `appliance.pull-${dead}-AbC123`);
    const running = join(parent, `appliance.pull-${process.pid}-XyZ789`);
    for (const dir of [stale, running]) {
      mkdirSync(join(dir, "config"), { recursive: true });
      writeFileSync(join(dir, "config", "partial.yaml"), "half");
    }
    await pullRelease(openReleaseStore({ ociLayout: layout }), { reference: "stable", outDir: out });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(running)).toBe(true);
    expect(existsSync(join(out, "release-manifest.json"))).toBe(true);
  });
});
