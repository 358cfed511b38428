/**
 * Issue 17, point 7: the launcher sets V8 flags for the short-burst commands (bin/v8-flags.cjs):
 * the young generation kept small, the optimizing compilers' thresholds raised. TurboFan's flag
 * changed name between V8 versions, and V8 reports a flag it does not know on stderr, so each
 * runtime CI runs (Node 20, 22 and 24) holds its own flags to being known.
 */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const { v8FlagsFor } = createRequire(import.meta.url)("../../bin/v8-flags.cjs") as { v8FlagsFor: (command: string, v8Version: string) => string[] };
const run = promisify(execFile);

describe("V8 flags for the short-burst commands", () => {
  it(`are flags this V8 (${process.versions.v8}, Node ${process.versions.node}) knows, TurboFan's threshold among them`, async () => {
    const flags = v8FlagsFor("synth", process.versions.v8);
    expect(flags).toContain("--semi-space-growth-factor=1");
    expect(flags.some((flag) => /^--(interrupt-budget|invocation-count-for-turbofan)=\d+$/.test(flag))).toBe(true);
    // Set one at a time, as the launcher sets them together: an unknown one prints "unrecognized flag".
    for (const flag of flags) {
      const { stderr } = await run(process.execPath, ["-e", `require("node:v8").setFlagsFromString(${JSON.stringify(flag)})`]);
      expect(stderr, flag).toBe("");
    }
  });

  it("are the same for diff, none for other commands, and only the portable one on a V8 without a known TurboFan flag", () => {
    expect(v8FlagsFor("diff", process.versions.v8)).toEqual(v8FlagsFor("synth", process.versions.v8));
    for (const command of ["publish", "pull", "lock", "status-service", "airgap"]) expect(v8FlagsFor(command, process.versions.v8)).toEqual([]);
    expect(v8FlagsFor("synth", "11.3.244.8-node.38")).toEqual(["--semi-space-growth-factor=1", "--interrupt-budget=270336"]);
    expect(v8FlagsFor("synth", "13.6.233.17-node.63")).toEqual(["--semi-space-growth-factor=1", "--invocation-count-for-turbofan=12000", "--invocation-count-for-maglev=1600"]);
    expect(v8FlagsFor("synth", "99.0.1")).toEqual(["--semi-space-growth-factor=1"]);
  });

  it("are the flags the launcher sets, before the command runs: synth's and diff's, none for pull", async () => {
    // Records every v8.setFlagsFromString call of the process: the hook loads before the launcher.
    const dir = tempDir();
    const hook = join(dir, "record-flags.cjs");
    writeFileSync(
      hook,
      `const v8 = require("node:v8"); const set = v8.setFlagsFromString; const calls = [];
       v8.setFlagsFromString = (flags) => { calls.push(flags); return set.call(v8, flags); };
       process.on("exit", () => require("node:fs").writeFileSync(process.env.RECORD_FLAGS, JSON.stringify(calls)));`,
    );
    for (const command of ["synth", "diff", "pull"]) {
      const record = join(dir, `${command}.json`);
      // --help is answered by the command's bundle, so the launcher has set its flags by then.
      const result = await runCli(command, ["--help"], { env: { NODE_OPTIONS: `--require=${hook}`, RECORD_FLAGS: record } });
      expect(result.code, result.stderr).toBe(0);
      const expected = v8FlagsFor(command, process.versions.v8);
      expect(JSON.parse(readFileSync(record, "utf8")), command).toEqual(expected.length > 0 ? [expected.join(" ")] : []);
    }
  }, 120_000);

  it("leave synth's stderr free of V8's complaints", async () => {
    const result = await runCli("synth", ["--release", "1.0-rc5", "--out", join(tempDir(), "dist")]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/unrecognized flag|Try --help/);
  }, 120_000);
});
