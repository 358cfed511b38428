import { appendFileSync, cpSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { vi, afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertStagedFresh } from "../../src/distribution/staged-freshness.js";
import { openStagedRelease } from "../../src/distribution/staged-release.js";
import { RELEASES_DIR } from "../support/rendered.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

// Real processes on a shared, loaded machine: each test spawns several commands.
vi.setConfig({ testTimeout: 180000 });

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.stop();
});

async function tags(repository: string): Promise<number> {
  const response = await fetch(`${registry.url}/v2/${repository}/tags/list`);
  return response.status;
}

/** A checkout holding a copy of the releases, synthesized into its dist/. */
async function synthesizedCheckout(): Promise<string> {
  const checkout = tempDir();
  cpSync(RELEASES_DIR, join(checkout, "releases"), { recursive: true });
  const synth = await runCli("synth", ["--release", "1.0.0"], { cwd: checkout });
  expect(synth.code, synth.stderr).toBe(0);
  return checkout;
}

describe("publish refuses staged output older than its inputs", () => {
  for (const [input, edit] of [
    ["the release file", (checkout: string) => appendFileSync(join(checkout, "releases", "1.0.0.yaml"), "# edited after synth\n")],
    ["the values profile", (checkout: string) => appendFileSync(join(checkout, "releases", "profiles", "single-node.yaml"), "# edited after synth\n")],
    ["the lock file", (checkout: string) => appendFileSync(join(checkout, "releases", "1.0.0.lock.yaml"), "# edited after synth\n")],
  ] as const) {
    it(`${input} changed after synth: "run synth first", exit 1, nothing pushed`, async () => {
      const checkout = await synthesizedCheckout();
      edit(checkout);
      const namespace = `stale-${Math.random().toString(16).slice(2, 8)}`;
      const result = await runCli("publish", ["--release", "1.0.0", "--registry", `${registry.host}/${namespace}`, "--plain-http", "--skip-preflight", "--allow-unpinned", "--channel", "stable"], { cwd: checkout });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/dist\/1\.0\.0 is older than its input .*releases\/.*: run synth first/);
      expect(await tags(`${namespace}/alga-appliance-config`)).toBe(404);
      expect(await tags(`${namespace}/alga-appliance-release`)).toBe(404);

      // After synth, the same publish goes through.
      expect((await runCli("synth", ["--release", "1.0.0"], { cwd: checkout })).code).toBe(0);
      const again = await runCli("publish", ["--release", "1.0.0", "--registry", `${registry.host}/${namespace}`, "--plain-http", "--skip-preflight", "--allow-unpinned", "--channel", "stable"], { cwd: checkout });
      expect(again.code, again.stderr).toBe(0);
    });
  }

  it("constructs and schemas of the checkout count as inputs", async () => {
    const checkout = await synthesizedCheckout();
    const dist = join(checkout, "dist");
    const staged = await openStagedRelease(dist, "1.0.0");
    const root = tempDir();
    mkdirSync(join(root, "constructs"));
    mkdirSync(join(root, "schemas", "nested"), { recursive: true });
    writeFileSync(join(root, "constructs", "labels.ts"), "");
    writeFileSync(join(root, "schemas", "nested", "common.ts"), "");
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(join(root, "constructs", "labels.ts"), past, past);
    utimesSync(join(root, "schemas", "nested", "common.ts"), past, past);
    const releaseFile = join(checkout, "releases", "1.0.0.yaml");
    expect(() => assertStagedFresh(dist, staged, releaseFile, root)).not.toThrow();
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(join(root, "schemas", "nested", "common.ts"), future, future);
    expect(() => assertStagedFresh(dist, staged, releaseFile, root)).toThrow(/older than its input .*schemas\/nested\/common\.ts .*run synth first/);
    utimesSync(join(root, "schemas", "nested", "common.ts"), past, past);
    utimesSync(join(root, "constructs", "labels.ts"), future, future);
    expect(() => assertStagedFresh(dist, staged, releaseFile, root)).toThrow(/constructs\/labels\.ts/);
  });
});
