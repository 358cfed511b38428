/**
 * cdk8s requires `child_process` at its top level, for paths the kit never takes (Yaml.load of a
 * URL, helm). The build gives bundled packages a stand-in that loads the built-in on first use
 * (bin/build.mjs, lazyPackageBuiltins): synth no longer loads child_process, net and dgram.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
// @ts-expect-error bin/build.mjs is plain JavaScript without type declarations
import { lazyPackageBuiltins } from "../../bin/build.mjs";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

/** A --require hook that writes the built-ins the process loaded into `file` when it exits. */
function moduleListHook(dir: string, file: string): string {
  const hook = join(dir, "loaded-builtins.cjs");
  writeFileSync(hook, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(file)}, process.moduleLoadList.join("\\n")));\n`);
  return hook;
}

describe("built-ins required by bundled packages", () => {
  it("synth renders without loading child_process", async () => {
    const dir = tempDir();
    const loaded = join(dir, "loaded.txt");
    const result = await runCli("synth", ["--release", "1.0.0", "--out", join(dir, "dist")], { env: { NODE_OPTIONS: `--require ${moduleListHook(dir, loaded)}` } });
    expect(result.code, result.stderr).toBe(0);
    const modules = readFileSync(loaded, "utf8").split("\n");
    expect(modules).toContain("NativeModule fs");
    expect(modules.filter((entry) => /^NativeModule (child_process|dgram)$/.test(entry))).toEqual([]);
  }, 120_000);

  it("load when first used: every export is there, a function copied out at the top level runs, a class constructs", async () => {
    const dir = tempDir();
    const pkg = join(dir, "node_modules", "uses-child-process");
    mkdirSync(pkg, { recursive: true });
    // As cdk8s's compiled CommonJS does: the module object at the top level, one of its functions copied out.
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "uses-child-process", version: "1.0.0", main: "index.js" }));
    writeFileSync(
      join(pkg, "index.js"),
      `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nconst cp = require("child_process");\nexports.cp = cp;\nexports.spawnSync = cp.spawnSync;\n`,
    );
    writeFileSync(
      join(dir, "main.js"),
      [
        `const { cp, spawnSync } = require("uses-child-process");`,
        `const loaded = () => process.moduleLoadList.includes("NativeModule child_process");`,
        `const before = loaded();`,
        `const out = spawnSync(process.execPath, ["-e", "process.stdout.write('ran')"], { encoding: "utf8" }).stdout;`,
        `const real = require("node:child_process");`,
        `const child = new cp.ChildProcess();`,
        `process.stdout.write(JSON.stringify({ before, out, after: loaded(), instance: child instanceof real.ChildProcess, keys: Object.keys(cp).sort().join() === Object.keys(real).sort().join() }));`,
      ].join("\n"),
    );
    await build({ absWorkingDir: dir, entryPoints: ["main.js"], bundle: true, platform: "node", format: "cjs", outfile: join(dir, "out.cjs"), plugins: [lazyPackageBuiltins()], logLevel: "silent" });
    expect(readFileSync(join(dir, "out.cjs"), "utf8")).not.toMatch(/= require\("child_process"\)/);
    const report = JSON.parse(execFileSync(process.execPath, [join(dir, "out.cjs")], { encoding: "utf8" }));
    expect(report).toEqual({ before: false, out: "ran", after: true, instance: true, keys: true });
  });

  it("a built-in that exports more than functions is refused by the build, not given a stand-in that breaks", async () => {
    const dir = tempDir();
    const pkg = join(dir, "node_modules", "uses-os");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "uses-os", version: "1.0.0", main: "index.js" }));
    writeFileSync(join(pkg, "index.js"), `"use strict";\nexports.eol = require("os").EOL;\n`);
    writeFileSync(join(dir, "main.js"), `console.log(JSON.stringify(require("uses-os").eol));\n`);
    const building = build({ absWorkingDir: dir, entryPoints: ["main.js"], bundle: true, platform: "node", format: "cjs", write: false, plugins: [lazyPackageBuiltins(["os"])], logLevel: "silent" });
    await expect(building).rejects.toThrow(/node:os exports values that are not functions \(.*EOL.*\)/);
  });
});
