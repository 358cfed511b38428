import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { treeFingerprint } from "../support/tree.js";

/**
 * `npx cdk8s synth` with no network at all: a new network namespace (`unshare -n`, as root, which
 * the suite runs as) holds only a loopback that is down, and npm is pointed at a closed port. HOME is
 * empty, so cdk8s-cli has no cached answer to its upgrade check (~/.cdk8s-cli.version).
 */
function cdk8sOffline(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      "unshare",
      ["-n", "npx", "--no-install", "cdk8s", ...args],
      { cwd: PROJECT_ROOT, env: { ...process.env, HOME: tempDir(), npm_config_registry: "http://127.0.0.1:1/", npm_config_offline: "true", ...env } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
      },
    );
  });
}

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

  // cdk8s-cli asks the npm registry for a newer cdk8s-cli before it reads cdk8s.yaml (a yargs check
  // in its lib/cli/index.js), so neither cdk8s.yaml nor the app can turn the check off; offline that
  // request prints its stack trace. CDK8S_CHECK_UPGRADE=false (the --check-upgrade option read from
  // the environment) turns it off, as the README says.
  it("offline with CDK8S_CHECK_UPGRADE=false prints no stack trace, exits 0 and writes what npm run synth writes", async () => {
    // Without the setting, the same offline run prints the failed request's stack trace: the network is really gone.
    const checked = await cdk8sOffline(["synth", "--app", "node -e 0", "--output", tempDir()], {});
    expect(checked.stderr).toMatch(/http error: .*registry\.npmjs\.org/);
    expect(checked.stderr).toMatch(/^\s+at /m);

    const out = join(tempDir(), "offline-out");
    const offline = await cdk8sOffline(["synth", "--output", out], { CDK8S_CHECK_UPGRADE: "false" });
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stderr).not.toMatch(/^\s+at /m);
    expect(offline.stderr).not.toMatch(/error|new version/i);
    const viaNpm = join(tempDir(), "npm-out");
    const npm = await runCli("synth", ["--out", viaNpm]);
    expect(npm.code, npm.stderr).toBe(0);
    expect(treeFingerprint(out)).toEqual(treeFingerprint(viaNpm));
  }, 120_000);
});
