/**
 * Issue 17, point 6: on Node 22 and 24 every synth and diff printed DEP0040 ("The `punycode` module
 * is deprecated"): packages under the Kubernetes models and client require Node's own `punycode`.
 * The build bundles the npm package of the same name in its place (bin/build.mjs, userlandPunycode).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtCommand, builtCommands } from "../support/built-commands.js";
import { PROJECT_ROOT, runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("the built commands", () => {
  it("load no deprecated punycode built-in", () => {
    const bundles = builtCommands(PROJECT_ROOT);
    expect(bundles.map((bundle) => bundle.command)).toContain("synth");
    const requiring = bundles.filter((bundle) => /\brequire\(\s*["'](node:)?punycode["']\s*\)/.test(readFileSync(bundle.file, "utf8"))).map((bundle) => bundle.command);
    expect(requiring).toEqual([]);
    // The packages that wanted it are still there, with the npm package beside them.
    expect(builtCommand(PROJECT_ROOT, "synth").bundled).toContain("node_modules/punycode/punycode.js");
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
