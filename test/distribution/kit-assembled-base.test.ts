/**
 * Issue 19 point 3, for the shipped releases: a status image built on the base the kit assembles
 * itself (statusService.build.baseDefinition, as releases/1.0.0.yaml has it). No registry holds
 * that base (its reference names ghcr.io, which these machines cannot reach), so lock, lock --check
 * and publish's preflight must never look it up: each of them would fail here if it did. Every other
 * reference lives in a real docker-registry. The base comes from the kit's cache, where the test
 * setup assembled it (test/support/build-commands.ts).
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELEASES_DIR } from "../support/rendered.js";
import { localRelease } from "../support/reference-images.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const env = { OCI_USERNAME: undefined, OCI_PASSWORD: undefined, OCI_TOKEN: undefined, SIGNING_KEY_FILE: undefined } as unknown as NodeJS.ProcessEnv;

let registry: RunningRegistry;
let dir: string;
let version: string;
let statusReference: string;
/** The shipped releases' base: its reference (ghcr.io) and pin, taken from releases/1.0.0.yaml. */
let shippedBuild: { base: string; baseDefinition: string };

beforeAll(async () => {
  registry = await startRegistry();
  dir = tempDir("ark-assembled-base-");
  const local = await localRelease(dir, registry.host, { version: "3.2.0" });
  version = local.version;
  cpSync(join(RELEASES_DIR, "base"), join(dir, "releases", "base"), { recursive: true });
  shippedBuild = parse(readFileSync(join(RELEASES_DIR, "1.0.0.yaml"), "utf8")).statusService.build;
  statusReference = `${local.base}/nine-minds/alga-appliance-status:${version}`;
  const file = join(dir, "releases", `${version}.yaml`);
  const release = parse(readFileSync(file, "utf8"));
  release.statusService = { image: statusReference, build: shippedBuild };
  writeFileSync(file, stringify(release));
}, 120_000);

afterAll(async () => {
  await registry?.stop();
});

describe("a status image built on the base the kit assembles (build.baseDefinition)", () => {
  it("is locked, checked and published without asking any registry for the base", async () => {
    expect(shippedBuild.baseDefinition).toBe("base/node22-debian12.yaml");
    const [baseReference, baseDigest] = shippedBuild.base.split("@") as [string, string];
    expect(baseReference).toMatch(/^ghcr\.io\//);

    // lock asks the local registry for everything else (not --offline): a lookup of the base would fail.
    const lock = await runCli("lock", ["--release", version, "--json"], { cwd: dir, env });
    expect(lock.code, lock.stderr).toBe(0);
    const images = parse(readFileSync(join(dir, "releases", `${version}.lock.yaml`), "utf8")).images as { reference: string; digest: string; built?: { base: string } }[];
    expect(images.find((entry) => entry.reference === baseReference)?.digest).toBe(baseDigest);
    const built = images.find((entry) => entry.reference === statusReference)!;
    expect(built.built?.base).toBe(baseDigest);
    // The same build as the shipped 1.0.0's (same base, same service bundle): the same application layer.
    const shipped = parse(readFileSync(join(RELEASES_DIR, "1.0.0.lock.yaml"), "utf8")).images.find((entry: { built?: unknown }) => entry.built);
    expect(built.built).toEqual({ base: shipped.built.base, layer: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });

    const check = await runCli("lock", ["--release", version, "--check", "--json"], { cwd: dir, env });
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout).drift).toEqual([]);

    expect((await runCli("synth", ["--release", version], { cwd: dir, env })).code).toBe(0);
    // A registry target runs the preflight: every reference is checked but the two the kit makes.
    const published = await runCli("publish", ["--release", version, "--registry", `${registry.host}/alga`, "--plain-http", "--json"], { cwd: dir, env });
    expect(published.code, published.stderr).toBe(0);
    const report = JSON.parse(published.stdout).releases[0];
    expect(report.preflight.checked).toBeGreaterThan(0);
    expect(report.statusImage).toMatchObject({ digest: built.digest, alreadyPresent: false });
  }, 300_000);
});
