/**
 * Issue 17, point 7: the launcher (bin/command.cjs) turns zod's JIT off before a command's bundle
 * creates its schemas, through zod's global configuration object. Held here: zod's configuration
 * is that global (a zod upgrade that moved it would silently bring the JIT back), and a command
 * run through the launcher parses without compiling (no `new Function`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { globalConfig } from "zod/v4/core";
import { runCli } from "../support/run-cli.js";
import { stagedDist } from "../support/staged-releases.js";
import { tempDir } from "../support/temp-dir.js";

describe("zod without its JIT in commands", () => {
  it("zod's configuration is the global object the launcher writes", () => {
    expect(globalConfig).toBe((globalThis as { __zod_globalConfig?: unknown }).__zod_globalConfig);
  });

  it("a command run through the launcher parses its documents without compiling parsers", async () => {
    const record = join(tempDir(), "compiled.json");
    // Counts the parsers zod compiles: its JIT builds each with the Function constructor.
    const hook = join(tempDir(), "count-functions.cjs");
    writeFileSync(
      hook,
      `const Original = Function; let compiled = 0;
       globalThis.Function = new Proxy(Original, { construct(target, args) { compiled++; return Reflect.construct(target, args); }, apply(target, self, args) { compiled++; return Reflect.apply(target, self, args); } });
       process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(record)}, JSON.stringify({ compiled, jitless: globalThis.__zod_globalConfig?.jitless })));`,
    );
    // A publish into a layout parses the staged release manifest, its lock and the layouts' JSON.
    const dist = await stagedDist(["1.0-rc5"]);
    const result = await runCli("publish", ["--release", "1.0-rc5", "--dist", dist, "--oci-layout", tempDir()], { env: { NODE_OPTIONS: `--require=${hook}` } });
    expect(result.code, result.stderr).toBe(0);
    const seen = JSON.parse(readFileSync(record, "utf8")) as { compiled: number; jitless: boolean };
    expect(seen.jitless).toBe(true);
    expect(seen.compiled).toBe(0);
  }, 120_000);
});
