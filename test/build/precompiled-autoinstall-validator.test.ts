import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
// @ts-expect-error bin/build.mjs is plain JavaScript without type declarations
import { precompiledValidators } from "../../bin/build.mjs";
import { validateAutoinstall } from "../../src/iso/autoinstall-schema.js";
import { PROJECT_ROOT } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

// The build swaps ajv's run-time compilation of Subiquity's autoinstall schema for code compiled at
// build time (bin/build.mjs, as for the release-manifest schema). The built synth must refuse
// exactly what the source refuses, the "uri" format included.
const REFUSED: readonly unknown[] = [
  { version: 2 },
  { version: 1, proxy: "not a url", identity: { hostname: 5 }, shutdown: "later" },
  { version: 1, "late-commands": [1], ssh: { "install-server": "yes" } },
  {},
];
const ACCEPTED: readonly unknown[] = [{ version: 1, proxy: "http://proxy.example:3128" }, { version: 1, proxy: null }];

function refusal(validate: (value: unknown, origin: string) => void, value: unknown): string | undefined {
  try {
    validate(value, "seed.yaml");
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe("the autoinstall validator compiled at build time", () => {
  it("refuses, field by field, what the validator compiled at run time refuses, and accepts what it accepts", async () => {
    const dir = join(tempDir(), "bundle");
    mkdirSync(dir, { recursive: true });
    const entry = join(dir, "entry.ts");
    writeFileSync(entry, `export { validateAutoinstall } from ${JSON.stringify(join(PROJECT_ROOT, "src", "iso", "autoinstall-schema.ts"))};\n`);
    const out = join(dir, "entry.cjs");
    await build({ entryPoints: [entry], outfile: out, bundle: true, format: "cjs", platform: "node", target: "node20", plugins: [precompiledValidators(PROJECT_ROOT)], logLevel: "silent", absWorkingDir: PROJECT_ROOT });
    const built = createRequire(import.meta.url)(out) as { validateAutoinstall: typeof validateAutoinstall };
    // Not the same function: the bundle holds the standalone code, not ajv's compiler.
    expect(built.validateAutoinstall).not.toBe(validateAutoinstall);

    for (const value of REFUSED) {
      const expected = refusal(validateAutoinstall, value);
      expect(expected, JSON.stringify(value)).toBeDefined();
      expect(refusal(built.validateAutoinstall, value), JSON.stringify(value)).toBe(expected);
    }
    expect(refusal(validateAutoinstall, REFUSED[1])).toContain("autoinstall.proxy: must match format");
    for (const value of ACCEPTED) {
      expect(refusal(validateAutoinstall, value)).toBeUndefined();
      expect(refusal(built.validateAutoinstall, value)).toBeUndefined();
    }
  }, 60_000);
});
