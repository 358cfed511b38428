import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiff, paletteFor } from "../../src/distribution/diff-format.js";
import { diffReleases } from "../../src/distribution/diff-releases.js";
import type { DiffSide } from "../../src/distribution/diff-operand.js";
import { RELEASES_DIR } from "../support/rendered.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("npm run diff", () => {
  it("a release with itself is equal: exit 0", async () => {
    const result = await runCli("diff", ["1.0.0", "releases/1.0.0.yaml", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ equal: true, release: [], added: [], removed: [], changed: [] });
  });

  it("two releases differ: exit 1, release-level summary then object-level changed fields, no colour when piped", async () => {
    const json = await runCli("diff", ["1.0-rc5", "1.0.0", "--json"]);
    expect(json.code).toBe(1);
    const diff = JSON.parse(json.stdout);
    expect(diff.equal).toBe(false);
    expect(diff.release).toEqual(
      expect.arrayContaining([
        { path: "version", a: "1.0-rc5", b: "1.0.0" },
        { path: "images.alga-core", a: "ghcr.io/nine-minds/alga-psa-ee:94446747", b: expect.stringMatching(/^ghcr\.io\/nine-minds\/alga-psa-ee:b71c04d2@sha256:/) },
        { path: "controlPlane.image", a: "ghcr.io/nine-minds/alga-appliance-control-plane:1.0-rc5", b: expect.stringContaining("@sha256:") },
        expect.objectContaining({ path: "configBundle.digest" }),
      ]),
    );
    const chart = diff.changed.find((change: any) => change.object === "OCIRepository msp/alga-core-chart (source.toolkit.fluxcd.io/v1)");
    expect(chart.fields).toEqual(
      expect.arrayContaining([
        { path: "spec.ref.tag", a: "0.1.0-rc5" },
        { path: "spec.ref.digest", b: expect.stringMatching(/^sha256:/) },
      ]),
    );
    const text = await runCli("diff", ["1.0-rc5", "1.0.0"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("~ version: 1.0-rc5 -> 1.0.0");
    expect(text.stdout).toContain("bundle objects: 0 added, 0 removed, 13 changed");
    expect(text.stdout).toContain("  ~ HelmRelease msp/alga-core (helm.toolkit.fluxcd.io/v2) (core/alga-core.yaml)");
    expect(text.stdout).not.toContain("\x1b[");
  });

  it("compares a channel on a layout and a pulled directory with a version", async () => {
    const dir = tempDir();
    cpSync(RELEASES_DIR, join(dir, "releases"), { recursive: true });
    expect((await runCli("synth", [], { cwd: dir })).code).toBe(0);
    const published = await runCli("publish", ["--release", "1.0.0", "--channel", "stable"], { cwd: dir });
    expect(published.code, published.stderr).toBe(0);
    const channel = await runCli("diff", ["channel:stable", "1.0.0", "--oci-layout", "oci-layout"], { cwd: dir });
    expect(channel.code, channel.stdout + channel.stderr).toBe(0);
    expect(channel.stdout).toContain("A: channel:stable (1.0.0)");
    expect((await runCli("pull", ["--oci-layout", "oci-layout", "--channel", "stable", "--out", "appliance"], { cwd: dir })).code).toBe(0);
    const pulled = await runCli("diff", ["appliance", "1.0-rc5", "--json"], { cwd: dir });
    expect(pulled.code).toBe(1);
    expect(JSON.parse(pulled.stdout).release).toEqual(expect.arrayContaining([{ path: "version", a: "1.0.0", b: "1.0-rc5" }]));
  });

  it("is a usage error (exit 2) with one operand, or one that cannot be read", async () => {
    expect((await runCli("diff", ["1.0.0"])).code).toBe(2);
    const unknown = await runCli("diff", ["1.0.0", "9.9.9"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no release "9.9.9"');
    const channel = await runCli("diff", ["channel:stable", "1.0.0"]);
    expect(channel.code).toBe(2);
    expect(channel.stderr).toContain("a channel needs a target");
  });

  it("takes --timeout's value as a flag value, and an unreachable registry or a broken directory is exit 2, never 1 (\"they differ\")", async () => {
    const unreachable = await runCli("diff", ["channel:stable", "1.0.0", "--registry", "127.0.0.1:9/alga", "--plain-http", "--timeout", "20s"]);
    expect(unreachable.stderr).not.toContain("exactly two operands");
    expect(unreachable.stderr).toContain("cannot reach registry 127.0.0.1:9");
    expect(unreachable.code).toBe(2);
    const dir = tempDir("diff-broken-");
    writeFileSync(join(dir, "release-manifest.json"), "{ not json");
    const broken = await runCli("diff", [dir, "1.0.0"]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`${join(dir, "release-manifest.json")}: not JSON`);
  });
});

describe("diff masking and colour", () => {
  const side = (label: string, values: Record<string, unknown>, env: unknown[]): DiffSide => ({
    label,
    manifest: {
      schemaVersion: 1,
      version: "1.0.0",
      source: { repository: "r", revision: "v" },
      controlPlane: { image: "ghcr.io/a/cp:1" },
      configBundle: { repository: "c", tag: "1.0.0", mediaType: "m", digest: `sha256:${"a".repeat(64)}`, size: 1, layerDigest: `sha256:${"b".repeat(64)}` },
      components: {} as never,
      profile: { name: "p", values: { "alga-core": values } },
    },
    files: [
      {
        path: "core/app.yaml",
        objects: [{ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "app", namespace: "msp" }, spec: { template: { spec: { containers: [{ name: "app", env }] } } } }],
      },
    ],
  });

  it("masks secret-looking values in both the JSON and the text, and still reports that they changed", () => {
    const diff = diffReleases(
      side("a", { db: { password: "old-password", host: "db-a" } }, [{ name: "API_TOKEN", value: "tok-old" }]),
      side("b", { db: { password: "new-password", host: "db-b" } }, [{ name: "API_TOKEN", value: "tok-new" }]),
    );
    expect(diff.release).toEqual([
      { path: "profile.values.alga-core.db.host", a: "db-a", b: "db-b" },
      { path: "profile.values.alga-core.db.password", a: "(masked, 12 characters)", b: "(masked, 12 characters)" },
    ]);
    expect(diff.changed[0]?.fields).toEqual([{ path: "spec.template.spec.containers[0].env[0].value", a: "(masked, 7 characters)", b: "(masked, 7 characters)" }]);
    const text = formatDiff(diff);
    expect(text).not.toMatch(/old-password|new-password|tok-old|tok-new/);
  });

  it("colours only on a terminal without NO_COLOR", () => {
    const diff = diffReleases(side("a", { x: 1 }, []), side("b", { x: 2 }, []));
    expect(formatDiff(diff, paletteFor({ isTTY: true }, {}))).toContain("\x1b[33m");
    expect(formatDiff(diff, paletteFor({ isTTY: true }, { NO_COLOR: "1" }))).not.toContain("\x1b[");
    expect(formatDiff(diff, paletteFor({ isTTY: false }, {}))).not.toContain("\x1b[");
  });
});
