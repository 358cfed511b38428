/**
 * Issue 7, points 4, 5 and 6: writers racing each other, as separate processes started together.
 * Against a registry, the project's fault proxy holds the answer to the first tag PUT until a
 * rival PUT of the same tag has been answered, so every trial really interleaves (without it the
 * two processes' start-up jitter decides, and most trials would not overlap at all).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishRelease } from "../../src/distribution/publish-release.js";
import { openReleaseStore } from "../../src/distribution/release-store.js";
import { openStagedRelease } from "../../src/distribution/staged-release.js";
import { ANNOTATION_REF_NAME } from "../../src/oci/annotations.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli, type CliResult } from "../support/run-cli.js";
import { alteredDist, stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";

const TRIALS = 3;
let registry: RunningRegistry;
let proxy: FaultProxy;
let dist: string;
let altered: string;
const digests: Record<"original" | "altered" | "other", { release: string; bundle: string }> = {} as never;

beforeAll(async () => {
  [registry, dist, altered] = await Promise.all([startRegistry(), stagedDist(["1.0-rc5", "1.0.0"]), alteredDist("1.0-rc5")]);
  proxy = await startFaultProxy(registry.host);
  for (const [key, from, version] of [["original", dist, "1.0-rc5"], ["altered", altered, "1.0-rc5"], ["other", dist, "1.0.0"]] as const) {
    const staged = await openStagedRelease(from, version);
    digests[key] = { release: staged.releaseArtifact.digest, bundle: staged.bundle.digest };
  }
  expect(digests.original.release).not.toBe(digests.altered.release);
}, 120_000);
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});

const together = (a: Promise<CliResult>, b: Promise<CliResult>) => Promise.all([a, b] as const);
// The shipped releases name ghcr.io images this machine cannot reach (no preflight) and rc5 is unpinned.
const publishCli = (from: string, version: string, store: string[]) =>
  runCli("publish", ["--dist", from, "--release", version, "--channel", "stable", ...store, "--skip-preflight", "--allow-unpinned", "--json"]);

describe("two publishes of different content under one version, started together (point 4)", () => {
  it.each(Array.from({ length: TRIALS }, (_, trial) => trial))("registry trial %i: at most one succeeds, the loser names the other digest, no channel moves for it", async (trial) => {
    const namespace = `race-publish-${trial}`;
    proxy.clearRules();
    proxy.addRule({ method: "PUT", path: /\/manifests\/1\.0-rc5$/, fault: "hold-until-rival", holdMs: 5_000 });
    const store = ["--registry", `${proxy.host}/${namespace}`, "--plain-http"];
    const [a, b] = await together(publishCli(dist, "1.0-rc5", store), publishCli(altered, "1.0-rc5", store));
    proxy.clearRules();
    const results = [
      { result: a, own: digests.original, other: digests.altered },
      { result: b, own: digests.altered, other: digests.original },
    ];
    const winners = results.filter(({ result }) => result.code === 0);
    expect(winners.length, `${a.stdout}${a.stderr}\n${b.stdout}${b.stderr}`).toBeLessThanOrEqual(1);
    for (const { result, other } of results.filter(({ result }) => result.code !== 0)) {
      const error = JSON.parse(result.stdout).error as string;
      expect(error).toMatch(/changed under us|moved by a concurrent writer|already published/);
      expect(error).toMatch(new RegExp(`${other.release}|${other.bundle}`));
    }
    const published = openReleaseStore({ registry: `${registry.host}/${namespace}`, plainHttp: true });
    const stable = (await published.release.resolve("stable"))?.digest;
    if (winners[0]) {
      expect((await published.release.resolve("1.0-rc5"))?.digest).toBe(winners[0].own.release);
      expect((await published.config.resolve("1.0-rc5"))?.digest).toBe(winners[0].own.bundle);
      expect(stable).toBe(winners[0].own.release);
    } else {
      expect(stable).toBeUndefined();
    }
  }, 90_000);

  it("OCI image layout: the tag is written under the layout's lock, so exactly one succeeds", async () => {
    const layout = join(tempDir(), "oci-layout");
    const [a, b] = await together(publishCli(dist, "1.0-rc5", ["--oci-layout", layout]), publishCli(altered, "1.0-rc5", ["--oci-layout", layout]));
    expect([a.code, b.code].sort(), `${a.stdout}${a.stderr}\n${b.stdout}${b.stderr}`).toEqual([0, 1]);
    const [winner, loser] = a.code === 0 ? [digests.original, b] : [digests.altered, a];
    expect(JSON.parse(loser.stdout).error).toMatch(/1\.0-rc5/);
    const store = openReleaseStore({ ociLayout: layout });
    expect((await store.release.resolve("1.0-rc5"))?.digest).toBe(winner.release);
    expect((await store.release.resolve("stable"))?.digest).toBe(winner.release);
  }, 90_000);
});

describe("two publishes into one OCI image layout, started together as processes (point 5)", () => {
  it.each(Array.from({ length: 2 }, (_, trial) => trial))("trial %i: both succeed and no tag is lost", async () => {
    const layout = join(tempDir(), "oci-layout");
    const [a, b] = await together(
      runCli("publish", ["--dist", dist, "--release", "1.0-rc5", "--oci-layout", layout, "--json"]),
      runCli("publish", ["--dist", dist, "--release", "1.0.0", "--oci-layout", layout, "--json"]),
    );
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(b.code, b.stdout + b.stderr).toBe(0);
    for (const repository of ["alga-appliance-config", "alga-appliance-release"]) {
      const index = JSON.parse(readFileSync(join(layout, repository, "index.json"), "utf8")) as { manifests: { annotations?: Record<string, string> }[] };
      const tags = index.manifests.map((entry) => entry.annotations?.[ANNOTATION_REF_NAME]).filter(Boolean).sort();
      expect(tags, repository).toEqual(["1.0-rc5", "1.0.0"]);
    }
    // The lock is gone once both are done.
    expect(existsSync(join(layout, "alga-appliance-release.lock"))).toBe(false);
  }, 90_000);
});

describe("two publishes into one OCI image layout from one process, interleaved at every await (point 5)", () => {
  it.each(Array.from({ length: 5 }, (_, trial) => trial))("trial %i: both succeed and no tag is lost", async () => {
    const layout = join(tempDir(), "oci-layout");
    const publish = async (version: string) => publishRelease(await openStagedRelease(dist, version), openReleaseStore({ ociLayout: layout }), { channels: [`ch-${version.replace(/\./g, "-")}`] });
    await Promise.all([publish("1.0-rc5"), publish("1.0.0")]);
    const store = openReleaseStore({ ociLayout: layout });
    expect(await store.config.listTags()).toEqual(["1.0-rc5", "1.0.0"]);
    expect(await store.release.listTags()).toEqual(["1.0-rc5", "1.0.0", "ch-1-0-0", "ch-1-0-rc5"]);
  });
});

describe("two promotes of one channel, started together (point 6)", () => {
  it.each(Array.from({ length: TRIALS }, (_, trial) => trial))("trial %i: exactly one reports success, and the channel holds its version", async (trial) => {
    const namespace = `race-promote-${trial}`;
    const direct = openReleaseStore({ registry: `${registry.host}/${namespace}`, plainHttp: true });
    for (const version of ["1.0-rc5", "1.0.0"]) await publishRelease(await openStagedRelease(dist, version), direct);
    proxy.clearRules();
    proxy.addRule({ method: "PUT", path: /\/manifests\/stable$/, fault: "hold-until-rival", holdMs: 5_000 });
    const store = ["--registry", `${proxy.host}/${namespace}`, "--plain-http", "--json"];
    const [a, b] = await together(
      runCli("promote", ["--channel", "stable", "--release", "1.0-rc5", "--allow-unpinned", ...store]),
      runCli("promote", ["--channel", "stable", "--release", "1.0.0", "--allow-unpinned", ...store]),
    );
    proxy.clearRules();
    expect([a.code, b.code].sort(), `${a.stdout}${a.stderr}\n${b.stdout}${b.stderr}`).toEqual([0, 1]);
    const [winner, loser, loserOther] = a.code === 0 ? [digests.original, b, digests.other] : [digests.other, a, digests.original];
    expect(JSON.parse(loser.stdout).error).toMatch(/stable (changed under us|was moved by a concurrent writer)/);
    expect(JSON.parse(loser.stdout).error).toContain(winner.release);
    expect(loserOther.release).not.toBe(winner.release);
    expect((await direct.release.resolve("stable"))?.digest).toBe(winner.release);
  }, 90_000);
});
