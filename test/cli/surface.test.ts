/**
 * Issue 17, point 8: one surface across commands. Exit codes: 2 when the command line itself is
 * wrong (nothing was attempted), 1 when the command ran and refused or failed (an existing output,
 * an unreadable file); a typo'd flag names the nearest flag; every help text's flag descriptions
 * start in one column.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nearestFlag } from "../../src/cli/run.js";
import { PROJECT_ROOT, runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const COMMANDS = Object.values(JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")).scripts as Record<string, string>)
  .map((script) => /^node bin\/command\.cjs (\S+)$/.exec(script)?.[1])
  .filter((name): name is string => name !== undefined);

describe("exit codes", () => {
  it("an existing output is refused with 1 by every command that refuses one (keygen, pull, airgap export and bootstrap)", async () => {
    const out = tempDir();
    writeFileSync(join(out, "cosign.key"), "someone's key");
    const keygen = await runCli("keygen", ["--out", out], { env: { COSIGN_PASSWORD: "a passphrase" } });
    expect([keygen.code, keygen.stderr]).toEqual([1, expect.stringContaining("cosign.key already exists")]);
    expect(readFileSync(join(out, "cosign.key"), "utf8")).toBe("someone's key");

    const pulled = join(tempDir(), "appliance");
    mkdirSync(pulled);
    const pull = await runCli("pull", ["--oci-layout", join(tempDir(), "oci-layout"), "--release", "1.0.0", "--out", pulled]);
    expect([pull.code, pull.stderr]).toEqual([1, expect.stringContaining("already exists")]);

    // The archive commands: an existing --out tar is never replaced (refused before any store is read).
    const archive = join(tempDir(), "release.tar");
    writeFileSync(archive, "an earlier archive");
    const exported = await runCli("airgap", ["export", "--release", "1.0.0", "--oci-layout", join(tempDir(), "oci-layout"), "--out", archive]);
    expect([exported.code, exported.stderr]).toEqual([1, expect.stringContaining(`--out ${archive} already exists`)]);
    const bootstrap = await runCli("airgap", ["bootstrap", "--release", "1.0.0-offline", "--out", archive]);
    expect([bootstrap.code, bootstrap.stderr]).toEqual([1, expect.stringContaining(`--out ${archive} already exists`)]);
    expect(readFileSync(archive, "utf8")).toBe("an earlier archive");
  });

  it("a key file that cannot be read is a failure (1), as a missing input file is", async () => {
    const verify = await runCli("verify", ["--release", "1.0.0", "--key", join(tempDir(), "absent.pub"), "--oci-layout", join(tempDir(), "oci-layout")]);
    expect([verify.code, verify.stderr]).toEqual([1, expect.stringContaining("absent.pub: cannot read it (ENOENT)")]);
  });

  it("a typo'd flag is a usage error naming the nearest flag", async () => {
    const synth = await runCli("synth", ["--relase", "1.0.0"]);
    expect(synth.code).toBe(2);
    expect(synth.stderr).toMatch(/^error: unknown flag --relase; did you mean --release\?\n/);
    const pull = await runCli("pull", ["--verfy-key=k.pub"]);
    expect([pull.code, pull.stderr.split("\n")[0]]).toEqual([2, "error: unknown flag --verfy-key; did you mean --verify-key?"]);
    const far = await runCli("channels", ["--frobnicate"]);
    expect([far.code, far.stderr.split("\n")[0]]).toEqual([2, "error: unknown flag --frobnicate (see the flags below)"]);
  });
});

describe("the nearest flag", () => {
  const flags = ["release", "releases", "registry", "out", "oci-layout", "json", "help", "verify-key"];
  it("is the one closest within a typo's reach, and none when two tie or none is close", () => {
    expect(nearestFlag("relese", flags)).toBe("release");
    expect(nearestFlag("regsitry", flags)).toBe("registry");
    expect(nearestFlag("jsno", flags)).toBe("json");
    expect(nearestFlag("relaese", flags)).toBe("release");
    expect(nearestFlag("ou", flags)).toBe("out");
    expect(nearestFlag("releasex", flags)).toBeUndefined(); // release and releases are both one edit away
    expect(nearestFlag("signature", flags)).toBeUndefined();
  });
});

describe("help texts", () => {
  it("line up: in every command's --help, every flag's description starts in one column", async () => {
    expect(COMMANDS.length).toBeGreaterThan(10);
    const columns: Record<string, number[]> = {};
    for (const command of COMMANDS) {
      const { code, stdout } = await runCli(command, ["--help"]);
      expect(code, command).toBe(0);
      const flagLines = stdout.split("\n").filter((line) => /^ {2}-/.test(line));
      expect(flagLines.length, command).toBeGreaterThan(1);
      columns[command] = [...new Set(flagLines.map((line) => /^ {2}-\S(?:\S| (?! ))*( {2,})/.exec(line)).map((match) => (match ? match[0].length : -1)))];
    }
    expect(Object.entries(columns).filter(([, found]) => found.length !== 1 || found[0] === -1)).toEqual([]);
    // Fourteen processes one after the other: minutes on a machine loaded by other work.
  }, 600_000);
});
