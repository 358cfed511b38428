import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { treeFingerprint } from "../support/tree.js";

describe("npx cdk8s synth", () => {
  it("writes the same tree as npm run synth", async () => {
    const viaCdk8s = join(tempDir(), "cdk8s-out");
    const viaNpm = join(tempDir(), "npm-out");
    await promisify(execFile)(join(PROJECT_ROOT, "node_modules", ".bin", "cdk8s"), ["synth", "--output", viaCdk8s], { cwd: PROJECT_ROOT });
    const npm = await runCli("synth", ["--out", viaNpm]);
    expect(npm.code, npm.stderr).toBe(0);
    const tree = treeFingerprint(viaNpm);
    expect(tree["1.0-rc5/release-manifest.json"]).toBeDefined();
    expect(treeFingerprint(viaCdk8s)).toEqual(tree);
  });
});
