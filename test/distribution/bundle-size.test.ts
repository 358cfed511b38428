/**
 * Issue 15 point 8: the bundle's size in the release manifest must equal its descriptor's. A
 * release manifest that pins the right digest with another size is refused by pull and promote,
 * against a real registry, and nothing is written or moved.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { vi, afterAll, beforeAll, describe, expect, it } from "vitest";
import { openReleaseStore } from "../../src/distribution/release-store.js";
import { publishHostileRelease } from "../support/hostile-release.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

// Real processes on a shared, loaded machine: each test spawns several commands.
vi.setConfig({ testTimeout: 120000 });

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.stop();
});

describe("a release manifest whose configBundle.size is not the bundle's", () => {
  for (const delta of [1, -1]) {
    it(`is refused by pull and promote (size off by ${delta})`, async () => {
      const ns = `bundle-size-${delta > 0 ? "plus" : "minus"}`;
      const store = openReleaseStore({ registry: `${registry.host}/${ns}`, plainHttp: true });
      const { bundle } = await publishHostileRelease(store, { edit: (manifest) => (manifest.configBundle.size += delta) });
      const actual = bundle.manifest.descriptor.size;
      const target = ["--registry", `${registry.host}/${ns}`, "--plain-http"];

      const out = join(tempDir(), "appliance");
      const pulled = await runCli("pull", ["--release", "1.0-rc5", "--out", out, ...target]);
      expect(pulled.code).toBe(1);
      expect(pulled.stderr).toContain(`configBundle.size is ${actual + delta} bytes, but the bundle manifest ${bundle.manifest.descriptor.digest} is ${actual} bytes`);
      expect(existsSync(out)).toBe(false);

      const promoted = await runCli("promote", ["--channel", "stable", "--release", "1.0-rc5", "--allow-unpinned", ...target]);
      expect(promoted.code).toBe(1);
      expect(promoted.stderr).toContain("configBundle.size");
      expect(await store.release.resolve("stable")).toBeUndefined();
    });
  }
});
