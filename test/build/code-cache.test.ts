import { execFile } from "node:child_process";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { builtCommand } from "../support/built-commands.js";
import { copyCheckout } from "../support/checkout-copy.js";
import { treeFingerprint } from "../support/tree.js";

const run = promisify(execFile);

function synthWith(checkout: string, args: string[]) {
  return run(process.execPath, [join(checkout, "bin", "command.cjs"), "synth", ...args], { cwd: checkout });
}

function synth(checkout: string, out: string) {
  return synthWith(checkout, ["--out", out]);
}

describe("commands run with V8's code cache", () => {
  it("saves the cache from a run that went through the command, renders the same with it, and replaces a cache V8 rejects", async () => {
    const checkout = copyCheckout();
    // --help and a refused command line (exit 2) compile a fraction of the command: neither saves the cache,
    // or every later run would compile the rest again.
    await synthWith(checkout, ["--help"]);
    const cache = `${builtCommand(checkout, "synth").file}.${process.version}.cache`;
    expect(existsSync(cache)).toBe(false);
    const refused = await synthWith(checkout, ["--no-such-flag"]).catch((failure: { code: number }) => failure);
    expect((refused as { code: number }).code).toBe(2);
    expect(existsSync(cache)).toBe(false);
    // Nor does a run an error stopped at its first step (no releases directory, exit 1): V8 would
    // accept its cache for good, and every later synth would compile the rest again.
    const stopped = await synthWith(checkout, ["--releases", "no-such-directory", "--out", "out-0"]).catch((failure: { code: number; stderr: string }) => failure);
    expect(stopped).toMatchObject({ code: 1, stderr: expect.stringMatching(/no releases directory/) });
    expect(existsSync(cache)).toBe(false);

    await synth(checkout, "out-1");
    expect(existsSync(cache)).toBe(true);
    const saved = statSync(cache).size;
    expect(saved).toBeGreaterThan(100_000);

    await synth(checkout, "out-2");
    expect(treeFingerprint(join(checkout, "out-2"))).toEqual(treeFingerprint(join(checkout, "out-1")));

    // Garbage instead of a cache: V8 rejects it, the command still works and writes a good one.
    writeFileSync(cache, "not a code cache");
    const { stderr } = await synth(checkout, "out-3");
    expect(stderr).not.toMatch(/error/i);
    expect(treeFingerprint(join(checkout, "out-3"))).toEqual(treeFingerprint(join(checkout, "out-1")));
    expect(statSync(cache).size).toBeGreaterThan(100_000);

    // A failure the command reports itself, after its work, saves it: diff of two releases that differ exits 1.
    const differ = await run(process.execPath, [join(checkout, "bin", "command.cjs"), "diff", "1.0-rc5", "1.0.0"], { cwd: checkout }).catch((failure: { code: number }) => failure);
    expect((differ as { code: number }).code).toBe(1);
    expect(existsSync(`${builtCommand(checkout, "diff").file}.${process.version}.cache`)).toBe(true);
    // Two builds, three synths and a diff: minutes on a loaded machine. A deadline, not a measurement.
  }, 300_000);
});
