import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localRelease, pushImage } from "../support/reference-images.js";
import { startLyingRegistry } from "../support/lying-registry.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.stop();
});

describe("npm run lock", () => {
  it("locks every image and chart, synth renders them by digest, and lock --check finds a moved tag", async () => {
    const dir = tempDir();
    const { version, digests, base, client } = await localRelease(dir, registry.host);

    const locked = await runCli("lock", ["--release", version, "--json"], { cwd: dir });
    expect(locked.code, locked.stderr).toBe(0);
    const lock = parse(readFileSync(join(dir, "releases", `${version}.lock.yaml`), "utf8"));
    expect(lock.release).toBe(version);
    expect(lock.images).toHaveLength(8);
    expect(lock.charts).toHaveLength(6);
    const image = (name: string) => lock.images.find((entry: any) => entry.reference === `${base}/nine-minds/${name}:build-1`);
    // The multi-platform image is locked to its index digest, with its platforms.
    expect(image("alga-core")).toEqual({
      reference: `${base}/nine-minds/alga-core:build-1`,
      digest: digests["image alga-core"],
      mediaType: "application/vnd.oci.image.index.v1+json",
      platforms: ["linux/amd64", "linux/arm64"],
    });
    expect(image("pgbouncer")).toMatchObject({ digest: digests["image pgbouncer"], mediaType: "application/vnd.oci.image.manifest.v1+json" });
    expect(image("control-plane").digest).toBe(digests["control-plane"]);
    expect(lock.charts.find((entry: any) => entry.reference === `oci://${base}/charts/temporal:2.0.0`).digest).toBe(digests["chart temporal"]);

    const synth = await runCli("synth", ["--release", version], { cwd: dir });
    expect(synth.code, synth.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, "dist", version, "release-manifest.json"), "utf8"));
    expect(manifest.controlPlane.image).toBe(`${base}/nine-minds/control-plane:build-1@${digests["control-plane"]}`);
    for (const [name, component] of Object.entries<any>(manifest.components)) {
      expect(component.image).toBe(`${base}/nine-minds/${name}:build-1@${digests[`image ${name}`]}`);
      expect(component.chart.digest).toBe(digests[`chart ${name}`]);
    }
    expect(readFileSync(join(dir, "dist", version, "control-plane", "deployment.yaml"), "utf8")).toContain(`control-plane:build-1@${digests["control-plane"]}`);
    expect(readFileSync(join(dir, "dist", version, "config", "core", "alga-core.yaml"), "utf8")).toContain(`digest: ${digests["chart alga-core"]}`);

    const unchanged = await runCli("lock", ["--release", version, "--check"], { cwd: dir });
    expect(unchanged.code, unchanged.stderr).toBe(0);
    expect(unchanged.stderr).toMatch(/\[14\/14\]/);

    const moved = await pushImage(client, `${base.slice(registry.host.length + 1)}/nine-minds/workflow-worker`, "build-1", "a rebuilt workflow worker");
    const check = await runCli("lock", ["--release", version, "--check", "--json"], { cwd: dir });
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout).drift).toEqual([
      { reference: `${base}/nine-minds/workflow-worker:build-1`, locked: digests["image workflow-worker"], current: moved, problem: "moved" },
    ]);
  });

  it("writes nothing when an image is missing, naming it", async () => {
    const dir = tempDir();
    const { version, base } = await localRelease(dir, registry.host, { version: "2.0.1", skipImages: ["email-service"] });
    const result = await runCli("lock", ["--release", version], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${base}/nine-minds/email-service:build-1 (email-service): missing`);
    expect(existsSync(join(dir, "releases", `${version}.lock.yaml`))).toBe(false);
  });

  it("confirms each digest by content: a registry whose HEAD and GET disagree is refused naming both digests, and nothing is written", async () => {
    // Issue 15 point 4. Before: the HEAD digest (here an older image of the same repository) went into the lock, exit 0.
    const liar = await startLyingRegistry(registry.host);
    try {
      const dir = tempDir();
      const { version, digests, base, client } = await localRelease(dir, registry.host, { version: "2.0.2", referencedRegistry: liar.host });
      const repository = `${base.slice(liar.host.length + 1)}/nine-minds/workflow-worker`;
      const older = await pushImage(client, repository, "old", "an older workflow worker");
      liar.lieAbout(/\/nine-minds\/workflow-worker\/manifests\/build-1$/, older);
      const result = await runCli("lock", ["--release", version], { cwd: dir });
      expect(result.code).toBe(1);
      expect(liar.lies).toBeGreaterThan(0);
      expect(result.stderr).toContain(`${base}/nine-minds/workflow-worker:build-1 (workflow-worker): inconsistent`);
      expect(result.stderr).toContain(`answered HEAD build-1 with ${older}`);
      expect(result.stderr).toContain(`returned a manifest whose digest is ${digests["image workflow-worker"]}`);
      expect(existsSync(join(dir, "releases", `${version}.lock.yaml`))).toBe(false);
    } finally {
      await liar.close();
    }
  });

  it("synth refuses a lock that no longer matches its release", async () => {
    const dir = tempDir();
    const { version, base } = await localRelease(dir, registry.host, { version: "2.0.2" });
    expect((await runCli("lock", ["--release", version], { cwd: dir })).code).toBe(0);
    const file = join(dir, "releases", `${version}.yaml`);
    writeFileSync(file, readFileSync(file, "utf8").replace("nine-minds/pgbouncer:build-1", "nine-minds/pgbouncer:build-2"));
    const synth = await runCli("synth", ["--release", version], { cwd: dir });
    expect(synth.code).toBe(1);
    expect(synth.stderr).toContain(`${version}.lock.yaml: does not match ${version}.yaml`);
    expect(synth.stderr).toContain(`components.pgbouncer.image: ${base}/nine-minds/pgbouncer:build-2 is not in the lock; run npm run lock -- --release ${version}`);
  });

  it("--offline locks a fully pinned release from its own pins (the shipped 1.0.0 lock) and refuses an unpinned one", async () => {
    const shipped = parse(readFileSync(join(import.meta.dirname, "..", "..", "releases", "1.0.0.lock.yaml"), "utf8"));
    const release = parse(readFileSync(join(import.meta.dirname, "..", "..", "releases", "1.0.0.yaml"), "utf8"));
    expect(shipped.images.find((entry: any) => entry.reference === "ghcr.io/nine-minds/alga-psa-ee:b71c04d2").digest).toBe(release.components["alga-core"].image.split("@")[1]);
    const dir = tempDir();
    const { version } = await localRelease(dir, registry.host, { version: "2.0.3", pushNothing: true });
    const result = await runCli("lock", ["--release", version, "--offline"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--offline needs every reference pinned by digest");
  });

  it("is a usage error without --release", async () => {
    const result = await runCli("lock", []);
    expect(result.code).toBe(2);
  });
});
