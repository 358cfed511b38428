/**
 * Issue 17, point 7: the build bundles ajv-i18n's English messages only (bin/build.mjs,
 * ajvI18nEnglishOnly). The Kubernetes model validators word their errors with `localize.en`; the
 * other 22 languages were ~95 KB of every bundle that validates rendered objects, read and compiled
 * at each start. A model's validation error still reads in English from a bundle built so.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import * as esbuild from "esbuild";
import { describe, expect, it } from "vitest";
// @ts-expect-error bin/build.mjs is plain JavaScript without type declarations
import { ajvI18nEnglishOnly } from "../../bin/build.mjs";
import { builtCommand } from "../support/built-commands.js";
import { PROJECT_ROOT } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const LOCALIZE = /node_modules\/ajv-i18n\/localize\//;
const ENGLISH_ONLY = /node_modules\/ajv-i18n\/localize\/(index|en\/index)\.js$/;

describe("ajv-i18n in the bundles", () => {
  it("synth's bundle holds the English messages and no other language", () => {
    const bundled = builtCommand(PROJECT_ROOT, "synth").bundled.filter((path) => LOCALIZE.test(path));
    expect(bundled.length).toBeGreaterThan(0);
    expect(bundled.filter((path) => !ENGLISH_ONLY.test(path))).toEqual([]);
  });

  it("a model validator bundled so still words its errors in English", async () => {
    const result = await esbuild.build({
      stdin: {
        contents: `import { Deployment } from "kubernetes-models/apps/v1/Deployment";
          try {
            new Deployment({ metadata: { name: "x" }, spec: { replicas: "three", selector: {}, template: {} } }).validate();
            console.log("valid");
          } catch (error) {
            console.log(error.message);
          }`,
        resolveDir: PROJECT_ROOT,
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "cjs",
      write: false,
      metafile: true,
      logLevel: "silent",
      plugins: [ajvI18nEnglishOnly],
    });
    const localize = Object.keys(result.metafile.inputs).filter((path) => LOCALIZE.test(path));
    expect(localize.filter((path) => !ENGLISH_ONLY.test(path))).toEqual([]);
    const bundle = join(tempDir(), "validate.cjs");
    writeFileSync(bundle, result.outputFiles[0]!.contents);
    const { stdout } = await promisify(execFile)(process.execPath, [bundle]);
    expect(stdout).toMatch(/data\/spec\/replicas must be integer/);
  }, 60_000);
});
