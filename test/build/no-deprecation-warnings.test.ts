/**
 * Issue 17, point 6: on Node 22 and 24 every synth and diff printed DEP0040 ("The `punycode` module
 * is deprecated"): packages under the Kubernetes models and client require Node's own `punycode`.
 * The build bundles the npm package of the same name in its place (bin/build.mjs, userlandPunycode).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("the built commands", () => {
  it("load no deprecated punycode built-in", () => {
    const { dir, bundled } = JSON.parse(readFileSync(join(PROJECT_ROOT, "build", "stamp.json"), "utf8")) as { dir: string; bundled: Record<string, string[]> };
    const bundles = readdirSync(join(PROJECT_ROOT, "build", dir)).filter((file) => file.endsWith(".cjs"));
    expect(bundles).toContain("synth.cjs");
    const requiring = bundles.filter((file) => /\brequire\(\s*["'](node:)?punycode["']\s*\)/.test(readFileSync(join(PROJECT_ROOT, "build", dir, file), "utf8")));
    expect(requiring).toEqual([]);
    // The packages that wanted it are still there, with the npm package beside them.
    expect(bundled["synth"]).toContain("node_modules/punycode/punycode.js");
  });

  it(`print no deprecation warning on Node ${process.versions.node} (synth and diff)`, async () => {
    const out = join(tempDir(), "dist");
    const synth = await runCli("synth", ["--release", "1.0.0", "--out", out]);
    expect(synth.code, synth.stderr).toBe(0);
    expect(synth.stderr).not.toMatch(/DeprecationWarning|\[DEP\d+\]/);
    const diff = await runCli("diff", ["releases/1.0-rc5.yaml", "releases/1.0.0.yaml"]);
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stderr).not.toMatch(/DeprecationWarning|\[DEP\d+\]/);
  }, 120_000);
});
