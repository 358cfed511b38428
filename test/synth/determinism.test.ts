import { cpSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RELEASES_DIR } from "../support/rendered.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { treeFingerprint } from "../support/tree.js";

/** Copies releases/ to a fresh directory at some depth, as another checkout would have it. */
function checkout(depth: string): string {
  const root = join(tempDir(), depth);
  mkdirSync(root, { recursive: true });
  cpSync(RELEASES_DIR, join(root, "releases"), { recursive: true });
  return root;
}

describe("synth determinism", () => {
  it("gives byte-identical trees and modes across checkout paths, umask and time zone", async () => {
    const a = checkout("a");
    const b = checkout("some/much/deeper/checkout path");
    const [first, second] = await Promise.all([
      runCli("synth", ["--json"], { cwd: a, env: { TZ: "UTC" }, shellPrefix: "umask 022;" }),
      runCli("synth", ["--json"], { cwd: b, env: { TZ: "Pacific/Chatham", LANG: "tr_TR.UTF-8" }, shellPrefix: "umask 077;" }),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const treeA = treeFingerprint(join(a, "dist"));
    expect(Object.keys(treeA).length).toBeGreaterThan(40);
    expect(treeFingerprint(join(b, "dist"))).toEqual(treeA);
    // Modes are normalized, not inherited from the umask.
    expect(treeA["1.0-rc5/config/tiers.yaml"]).toMatch(/^644 /);
    expect(treeA["1.0-rc5/config/"]).toBe("755");
    const digests = (out: string) => JSON.parse(out).releases.map((r: any) => [r.configBundle, r.releaseArtifact]);
    expect(digests(second.stdout)).toEqual(digests(first.stdout));
  });

  it("moves the created annotation and tar mtimes with SOURCE_DATE_EPOCH, and only then", async () => {
    const dir = checkout("epoch");
    const run = async (epoch?: string) => {
      const result = await runCli("synth", ["--json", "--release", "1.0-rc5"], { cwd: dir, env: epoch ? { SOURCE_DATE_EPOCH: epoch } : {} });
      expect(result.code, result.stderr).toBe(0);
      const bundle = JSON.parse(result.stdout).releases[0].configBundle as string;
      const manifest = JSON.parse(readFileSync(join(dir, "dist", "1.0-rc5", "oci", "alga-appliance-config", "blobs", "sha256", bundle.slice(7)), "utf8"));
      return { bundle, created: manifest.annotations["org.opencontainers.image.created"] };
    };
    const unset = await run();
    expect(unset.created).toBe("1970-01-01T00:00:00Z");
    const set = await run("1767225600");
    expect(set.created).toBe("2026-01-01T00:00:00Z");
    expect(set.bundle).not.toBe(unset.bundle);
    expect((await run("1767225600")).bundle).toBe(set.bundle);
  });
});
