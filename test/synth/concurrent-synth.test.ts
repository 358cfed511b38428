import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { vi, describe, expect, it } from "vitest";
import { RELEASES_DIR } from "../support/rendered.js";
import { runCli, spawnCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

// Real processes on a shared, loaded machine: each test spawns several commands.
vi.setConfig({ testTimeout: 240000 });

const VERSIONS = readdirSync(RELEASES_DIR)
  .filter((name) => /^[0-9].*\.yaml$/.test(name) && !name.includes(".lock."))
  .map((name) => name.replace(/\.yaml$/, ""));

/** Resolves once `text` appears on the child's stderr, or when it ends (then the test fails on its own assertions). */
function stderrShows(child: ReturnType<typeof spawnCli>["child"], text: string): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = "";
    child.stderr.on("data", (chunk) => {
      seen += chunk;
      if (seen.includes(text)) resolve(true);
    });
    child.on("close", () => resolve(false));
  });
}

function expectWholeTree(out: string): void {
  for (const version of VERSIONS) {
    const manifest = join(out, version, "release-manifest.json");
    expect(existsSync(manifest), manifest).toBe(true);
    expect(JSON.parse(readFileSync(manifest, "utf8")).version).toBe(version);
    expect(existsSync(join(out, version, "oci", "alga-appliance-config", "index.json"))).toBe(true);
  }
  // No staging directory, set-aside tree or lock is left behind.
  expect(readdirSync(out).filter((name) => name.startsWith(".") || name.includes(".old-")).sort()).toEqual([]);
}

describe("two synth runs into one output root", () => {
  it("waits for a live holder of the output lock and writes nothing until it is released", async () => {
    const out = tempDir();
    // This test process stands in for a synth that is writing: a live pid on this host.
    const lock = join(out, ".synth.lock");
    writeFileSync(lock, `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date(0).toISOString() })}\n`);
    const run = spawnCli("synth", ["--releases", RELEASES_DIR, "--out", out, "--release", "1.0.0"]);
    const waited = await stderrShows(run.child, "waiting for another synth");
    expect(waited, "synth did not wait for the lock").toBe(true);
    // Rendering is done by now (the wait comes after it); nothing may have been written.
    expect(readdirSync(out)).toEqual([".synth.lock"]);
    unlinkSync(lock);
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(out, "1.0.0", "release-manifest.json"))).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });

  it("three full synth processes at once all succeed and leave every release whole", async () => {
    const out = tempDir();
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all([0, 1, 2].map(() => runCli("synth", ["--releases", RELEASES_DIR, "--out", out])));
      for (const result of results) expect(result.code, result.stderr).toBe(0);
      expectWholeTree(out);
    }
  });
});
