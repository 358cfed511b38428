/**
 * Issue 15 point 2: once promote has moved the channel, it does not report failure because of
 * something it asks afterwards. A lying registry (test/support/lying-registry.ts) breaks the tag
 * list every way the issue names; the move and its report must stand.
 */
import { vi, afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { publishRelease } from "../../src/distribution/publish-release.js";
import { openReleaseStore } from "../../src/distribution/release-store.js";
import { openStagedRelease } from "../../src/distribution/staged-release.js";
import { startLyingRegistry, type LyingRegistry } from "../support/lying-registry.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { stagedDist } from "../support/staged-releases.js";

// Real processes on a shared, loaded machine: each test spawns several commands.
vi.setConfig({ testTimeout: 120000 });

let registry: RunningRegistry;
let liar: LyingRegistry;
let dist: string;
let namespace = 0;

beforeAll(async () => {
  [registry, dist] = await Promise.all([startRegistry(), stagedDist()]);
  liar = await startLyingRegistry(registry.host);
});
afterAll(async () => {
  await liar?.close();
  await registry?.stop();
});
afterEach(() => liar.clear());

const brokenTagLists = {
  "a 500": () => ({ status: 500, body: "internal error" }),
  "a page that is not JSON": () => ({ status: 200, headers: { "Content-Type": "application/json" }, body: "<html>not json" }),
  "endless paging": (request: { path: string }) => ({
    status: 200,
    headers: { "Content-Type": "application/json", Link: `<${request.path.split("?")[0]}?n=1&last=x${Math.random()}>; rel="next"` },
    body: JSON.stringify({ name: "x", tags: ["stable"] }),
  }),
};

describe("promote after the channel moved", () => {
  for (const [what, answer] of Object.entries(brokenTagLists)) {
    it(`reports the move (exit 0, naming the previous version) when the tag list answers ${what}`, async () => {
      const ns = `promote-${namespace++}`;
      const direct = openReleaseStore({ registry: `${registry.host}/${ns}`, plainHttp: true });
      await publishRelease(await openStagedRelease(dist, "1.0-rc5"), direct, { channels: ["stable"] });
      await publishRelease(await openStagedRelease(dist, "1.0.0"), direct);
      liar.lie({ method: "GET", path: /\/tags\/list/, answer });

      const result = await runCli("promote", ["--channel", "stable", "--release", "1.0.0", "--allow-unpinned", "--registry", `${liar.host}/${ns}`, "--plain-http"]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("stable -> 1.0.0 (was 1.0-rc5)");
      expect((await direct.release.resolve("stable"))?.digest).toBe((await direct.release.resolve("1.0.0"))?.digest);
    });
  }
});
