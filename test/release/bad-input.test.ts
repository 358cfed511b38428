import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { synthesizeRelease } from "../../src/synth/synth-release.js";
import { RELEASES_DIR } from "../support/rendered.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const rc5 = readFileSync(join(RELEASES_DIR, "1.0-rc5.yaml"), "utf8");

/** A releases directory with the real profile and one release file written from `text`. */
function releasesWith(name: string, text: string): { dir: string; file: string } {
  const dir = tempDir();
  cpSync(join(RELEASES_DIR, "profiles"), join(dir, "profiles"), { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

function failure(name: string, text: string): string {
  const { file } = releasesWith(name, text);
  try {
    synthesizeRelease(file, 0);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error("expected the release to be refused");
}

describe("bad release files", () => {
  it("a YAML syntax error names the file and the line", () => {
    const message = failure("1.0-rc5.yaml", "version: 1.0-rc5\ncomponents: [unclosed\n");
    expect(message).toMatch(/1\.0-rc5\.yaml: not valid YAML/);
    expect(message).toMatch(/line \d+/);
  });

  it("an unknown field names its path and says to remove it", () => {
    const message = failure("1.0-rc5.yaml", rc5.replace("  alga-core:\n", "  alga-core:\n    replicas: 3\n"));
    expect(message).toContain("components.alga-core.replicas: unknown field");
    expect(message).toContain("remove it");
  });

  it("a missing image names the component's image field", () => {
    const message = failure("1.0-rc5.yaml", rc5.replace("    image: ghcr.io/nine-minds/workflow-worker:61e4a00e\n", ""));
    expect(message).toContain("components.workflow-worker.image: is required");
  });

  it("a latest tag is refused with the fix", () => {
    const message = failure("1.0-rc5.yaml", rc5.replace("temporal-worker:61e4a00e", "temporal-worker:latest"));
    expect(message).toContain("components.temporal-worker.image:");
    expect(message).toContain('moving tag "latest"');
  });

  it("a missing tag is refused with the fix", () => {
    const message = failure("1.0-rc5.yaml", rc5.replace("email-service:61e4a00e", "email-service"));
    expect(message).toContain("components.email-service.image:");
    expect(message).toContain("has no tag");
  });

  it("an invalid version names the version field", () => {
    const message = failure("1.0-rc5.yaml", rc5.replace("version: 1.0-rc5", "version: 1.0 rc5"));
    expect(message).toContain("version: must be a valid OCI tag");
  });

  it("a kit-built status image whose tag is not the release version is refused with the fix (the kit tags what it builds with the version)", () => {
    const kitBuilt = rc5.replace(
      "  image: ghcr.io/nine-minds/alga-appliance-status:1.0-rc5\n",
      `  image: ghcr.io/nine-minds/alga-appliance-status:1.0.0\n  build:\n    base: ghcr.io/example/node:22@sha256:${"a".repeat(64)}\n`,
    );
    expect(kitBuilt).toContain("build:");
    const message = failure("1.0-rc5.yaml", kitBuilt);
    expect(message).toContain('statusService.image: the kit tags the image it builds with the release version, so the tag must be "1.0-rc5", not "1.0.0"');
    expect(message).toContain("(write ghcr.io/nine-minds/alga-appliance-status:1.0-rc5)");
  });

  it("a version that does not match the file name is refused", () => {
    expect(failure("1.0-rc6.yaml", rc5)).toContain('version: "1.0-rc5" does not match the file name');
  });

  it("an empty file says so", () => {
    expect(failure("1.0-rc5.yaml", "\n")).toMatch(/1\.0-rc5\.yaml: the release definition is empty/);
  });

  it("a missing profile names the profile field", () => {
    expect(failure("1.0-rc5.yaml", rc5.replace("profile: single-node", "profile: three-node"))).toContain('profile: no values profile "three-node"');
  });
});

describe("npm run synth on a bad release", () => {
  it("exits non-zero, prints the message, and leaves nothing of that release in dist/ (not even an older rendering)", async () => {
    const { dir, file } = releasesWith("1.0-rc5.yaml", rc5);
    const out = tempDir();
    const good = await runCli("synth", ["--releases", dir, "--out", out, "--release", "1.0-rc5"]);
    expect(good.code, good.stderr).toBe(0);
    expect(existsSync(join(out, "1.0-rc5", "config", "kustomization.yaml"))).toBe(true);

    writeFileSync(file, rc5.replace("temporal-worker:61e4a00e", "temporal-worker:latest"));
    const bad = await runCli("synth", ["--releases", dir, "--out", out, "--release", "1.0-rc5"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${file}: invalid release definition`);
    expect(bad.stderr).toContain("components.temporal-worker.image");
    expect(existsSync(join(out, "1.0-rc5"))).toBe(false);
  });

  it("renders the good releases, refuses the bad one, and exits 1 with a JSON report", async () => {
    const { dir } = releasesWith("1.0-rc5.yaml", rc5);
    writeFileSync(join(dir, "2.0.0.yaml"), "");
    mkdirSync(join(dir, "vendor"));
    const out = tempDir();
    const result = await runCli("synth", ["--releases", dir, "--out", out, "--json"]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.releases.map((r: any) => r.version)).toEqual(["1.0-rc5"]);
    expect(report.failures).toEqual([{ file: join(dir, "2.0.0.yaml"), error: expect.stringContaining("is empty") }]);
    expect(existsSync(join(out, "2.0.0"))).toBe(false);
  });

  it("rejects an unknown flag with usage and exit code 2", async () => {
    const result = await runCli("synth", ["--relase", "1.0-rc5"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown flag --relase; did you mean --release?");
    expect(result.stderr).toContain("Usage: npm run synth");
  });
});
