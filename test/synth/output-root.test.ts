import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RELEASES_DIR } from "../support/rendered.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("the synth output root", () => {
  it("loses earlier synth output this run did not produce, and nothing else", async () => {
    const out = tempDir();
    writeFileSync(join(out, "notes.txt"), "keep me");
    mkdirSync(join(out, "0.9.0"));
    writeFileSync(join(out, "0.9.0", "release-manifest.json"), "{}");
    mkdirSync(join(out, ".1.0.0.tmp-0a1b2c"));
    mkdirSync(join(out, "not-ours"));

    const result = await runCli("synth", ["--releases", RELEASES_DIR, "--out", out]);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(out, "notes.txt"))).toBe(true);
    expect(existsSync(join(out, "not-ours"))).toBe(true);
    expect(existsSync(join(out, "0.9.0"))).toBe(false);
    expect(existsSync(join(out, ".1.0.0.tmp-0a1b2c"))).toBe(false);
    expect(existsSync(join(out, "1.0-rc5", "release-manifest.json"))).toBe(true);
  });

  it("writes nothing when the vendor definition is invalid", async () => {
    const releases = tempDir();
    const { cpSync } = await import("node:fs");
    cpSync(RELEASES_DIR, releases, { recursive: true });
    writeFileSync(join(releases, "vendor", "license-service.yaml"), "image: ghcr.io/nine-minds/alga-license:latest\n");
    const out = join(tempDir(), "dist");
    const result = await runCli("synth", ["--releases", releases, "--out", out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("license-service.yaml: invalid license service definition");
    expect(existsSync(out)).toBe(false);
  });
});
