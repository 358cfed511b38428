/**
 * Issue 15 point 7: diff reads what pull would refuse with pull's own rules, and says so; directory
 * operands are bounded like artifacts (no links, entry count, sizes). Real processes; the hostile
 * bundle is served from a real registry.
 */
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { vi, afterAll, beforeAll, describe, expect, it } from "vitest";
import { openReleaseStore } from "../../src/distribution/release-store.js";
import { rawEntry, rawTar } from "../bundle/craft-tar.js";
import { publishHostileRelease } from "../support/hostile-release.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";

// Real processes on a shared, loaded machine: each test spawns several commands.
vi.setConfig({ testTimeout: 180000 });

let registry: RunningRegistry;
let dist: string;
beforeAll(async () => {
  [registry, dist] = await Promise.all([startRegistry(), stagedDist(["1.0-rc5"])]);
});
afterAll(async () => {
  await registry?.stop();
});

describe("diff holds its operands to pull's rules", () => {
  for (const [what, tar, reason] of [
    ["a path that climbs out", rawTar(rawEntry({ name: "../escape.yaml", data: "kind: ConfigMap\n" })), /escape\.yaml/],
    ["a symbolic link", rawTar(rawEntry({ name: "link.yaml", typeflag: "2", linkname: "/etc/passwd" })), /link\.yaml/],
  ] as const) {
    it(`refuses a channel whose bundle holds ${what}, saying pull refuses it`, async () => {
      const ns = `diff-${what.replace(/\W+/g, "-")}`;
      await publishHostileRelease(openReleaseStore({ registry: `${registry.host}/${ns}`, plainHttp: true }), { tar });
      const result = await runCli("diff", ["1.0-rc5", "channel:1.0-rc5", "--registry", `${registry.host}/${ns}`, "--plain-http"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/channel:1\.0-rc5: the bundle of 1\.0-rc5 is refused by pull's rules, so diff does not read it: refusing tar entry/);
      expect(result.stderr).toMatch(reason);
    });
  }

  it("refuses a directory operand whose config/ holds a symbolic link, or more entries than a bundle may", async () => {
    const linked = join(tempDir(), "pulled");
    cpSync(join(dist, "1.0-rc5"), linked, { recursive: true });
    symlinkSync("/etc/hostname", join(linked, "config", "sneaky.yaml"));
    const refused = await runCli("diff", ["1.0-rc5", linked]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/sneaky\.yaml is a symbolic link; pull refuses the same in a bundle, so diff does not read it/);

    const crowded = join(tempDir(), "pulled");
    cpSync(join(dist, "1.0-rc5"), crowded, { recursive: true });
    mkdirSync(join(crowded, "config", "many"));
    for (let i = 0; i <= 10_000; i++) writeFileSync(join(crowded, "config", "many", `${i}.txt`), "");
    const crowdedResult = await runCli("diff", ["1.0-rc5", crowded]);
    expect(crowdedResult.code).toBe(2);
    expect(crowdedResult.stderr).toMatch(/holds more than 10000 entries; pull refuses the same/);

    // The same directory without them is read, and equals the release.
    const clean = join(tempDir(), "pulled");
    cpSync(join(dist, "1.0-rc5"), clean, { recursive: true });
    expect((await runCli("diff", ["1.0-rc5", clean])).code).toBe(0);
  });
});
