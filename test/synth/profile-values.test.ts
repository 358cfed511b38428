/**
 * Issue 17, point 8: a release file given by path reads `profiles/` beside it, and a policy error
 * about a value the profile wrote names the profile file and key (the place to fix it).
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { synthesizeRelease } from "../../src/synth/synth-release.js";
import { RELEASES_DIR } from "../support/rendered.js";
import { tempDir } from "../support/temp-dir.js";

describe("a release file given by path", () => {
  it("takes its profile from profiles/ beside it, and a policy error names that profile file and key", () => {
    const releases = join(tempDir(), "elsewhere");
    cpSync(RELEASES_DIR, releases, { recursive: true });
    const profile = join(releases, "profiles", "single-node.yaml");
    const text = readFileSync(profile, "utf8");
    expect(text).toContain("    bootstrap:\n      enabled: true\n");
    writeFileSync(profile, text.replace("    bootstrap:\n      enabled: true\n", "    bootstrap:\n      enabled: true\n    auth:\n      password: hunter2-Xk9zQ8vL\n"));
    const error = (() => {
      try {
        synthesizeRelease(join(releases, "1.0.0.yaml"), 0);
      } catch (caught) {
        return caught as Error;
      }
      throw new Error("synth accepted a literal password from the profile");
    })();
    expect(error.message).toContain("HelmRelease msp/alga-core: spec.values.auth.password");
    expect(error.message).toContain(`(the value comes from the profile: ${profile}, values.alga-core.auth.password)`);
  });
});
