import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { localRelease, pushImage } from "../support/reference-images.js";
import { startLyingRegistry } from "../support/lying-registry.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const NO_CREDENTIALS = { OCI_USERNAME: "", OCI_PASSWORD: "", OCI_TOKEN: "", DOCKER_CONFIG: "/nonexistent" };

let images: RunningRegistry;
let target: RunningRegistry;
let guarded: RunningRegistry;
beforeAll(async () => {
  [images, target, guarded] = await Promise.all([startRegistry(), startRegistry(), startRegistry({ auth: "basic" })]);
});
afterAll(async () => {
  await Promise.all([images?.stop(), target?.stop(), guarded?.stop()]);
});

async function synthesized(dir: string, version: string): Promise<void> {
  const synth = await runCli("synth", ["--release", version], { cwd: dir });
  expect(synth.code, synth.stderr).toBe(0);
}

const publish = (dir: string, namespace: string, extra: string[], env: Record<string, string> = NO_CREDENTIALS) =>
  runCli("publish", ["--registry", `${target.host}/${namespace}`, "--plain-http", ...extra], { cwd: dir, env });

const tagsOf = (namespace: string, repository: string) => new RegistryClient({ registry: target.host, plainHttp: true }).repository(`${namespace}/${repository}`).listTags();

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("publish preflight", () => {
  it("lock, synth, publish --channel succeed with every image present; a release with a missing image is refused before any push and the channel stays", async () => {
    const dir = tempDir();
    const good = await localRelease(dir, images.host, { version: "3.0.0" });
    expect((await runCli("lock", ["--release", good.version], { cwd: dir })).code).toBe(0);
    await synthesized(dir, good.version);
    const published = await publish(dir, "alga", ["--release", good.version, "--channel", "stable"]);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain("preflight: 14 image(s) and chart(s) present (14 by digest, 0 by tag)");
    expect(published.stderr).toMatch(/preflight 3\.0\.0 \[14\/14\]/);

    const pulled = join(tempDir(), "pulled");
    const pull = await runCli("pull", ["--registry", `${target.host}/alga`, "--plain-http", "--channel", "stable", "--out", pulled], { cwd: dir, env: NO_CREDENTIALS });
    expect(pull.code, pull.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(pulled, "release-manifest.json"), "utf8"));
    expect(manifest.controlPlane.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    for (const component of Object.values<any>(manifest.components)) {
      expect(component.image).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(component.chart.digest).toMatch(/^sha256:/);
    }

    const bad = await localRelease(dir, images.host, { version: "3.0.1", skipImages: ["workflow-worker", "alga-core"] });
    await synthesized(dir, bad.version);
    const refused = await publish(dir, "alga", ["--release", bad.version, "--channel", "stable", "--allow-unpinned"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("preflight refused release 3.0.1 (2 missing); nothing was pushed and no channel moved");
    expect(refused.stderr).toContain(`alga-core: image ${bad.base}/nine-minds/alga-core:build-1 does not exist (tier core: blocks login)`);
    expect(refused.stderr).toContain(`workflow-worker: image ${bad.base}/nine-minds/workflow-worker:build-1 does not exist (tier background: only background services, login still works)`);
    expect(await tagsOf("alga", "alga-appliance-release")).toEqual(["3.0.0", "stable"]);
    expect(await tagsOf("alga", "alga-appliance-config")).toEqual(["3.0.0"]);
    const channels = await runCli("channels", ["--registry", `${target.host}/alga`, "--plain-http", "--json"], { cwd: dir, env: NO_CREDENTIALS });
    expect(JSON.parse(channels.stdout).channels).toEqual([expect.objectContaining({ channel: "stable", version: "3.0.0" })]);

    // Opting out is possible, and the report says so.
    const skipped = await publish(dir, "alga", ["--release", bad.version, "--skip-preflight"]);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stdout).toContain("preflight: skipped (--skip-preflight)");
  });

  it("confirms each reference by content: a registry whose HEAD and GET disagree is refused naming both digests, and no channel moves", async () => {
    // Issue 15 point 4. Before: preflight trusted the HEAD digest and publish --channel exited 0.
    const liar = await startLyingRegistry(images.host);
    try {
      const dir = tempDir();
      const release = await localRelease(dir, images.host, { version: "3.0.4", referencedRegistry: liar.host });
      const older = await pushImage(release.client, `${release.base.slice(liar.host.length + 1)}/nine-minds/alga-core`, "old", "an older alga-core");
      liar.lieAbout(/\/nine-minds\/alga-core\/manifests\/build-1$/, older);
      await synthesized(dir, release.version);
      const refused = await publish(dir, "liar", ["--release", release.version, "--channel", "stable", "--allow-unpinned"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`preflight refused release ${release.version} (1 inconsistent); nothing was pushed and no channel moved`);
      expect(refused.stderr).toContain(`alga-core: image ${release.base}/nine-minds/alga-core:build-1 cannot be confirmed by content (tier core: blocks login)`);
      expect(refused.stderr).toContain(`answered HEAD build-1 with ${older}`);
      expect(refused.stderr).toContain(`whose digest is ${release.digests["image alga-core"]}`);
      expect(await tagsOf("liar", "alga-appliance-release")).toEqual([]);
    } finally {
      await liar.close();
    }
  });

  it("refuses a channel for a release that is not pinned by digest, unless --allow-unpinned", async () => {
    const dir = tempDir();
    const { version } = await localRelease(dir, images.host, { version: "3.1.0" });
    await synthesized(dir, version);
    const refused = await publish(dir, "unpinned", ["--release", version, "--channel", "nightly"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("release 3.1.0 is not pinned by digest, so it cannot be published to a channel (nightly)");
    expect(refused.stderr).toContain("--allow-unpinned");
    expect(await tagsOf("unpinned", "alga-appliance-release")).toEqual([]);
    const allowed = await publish(dir, "unpinned", ["--release", version, "--channel", "nightly", "--allow-unpinned"]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain("preflight: 14 image(s) and chart(s) present (0 by digest, 14 by tag)");
  });

  it("runs for an OCI image layout target only when --preflight asks for it", async () => {
    const dir = tempDir();
    const { version } = await localRelease(dir, images.host, { version: "3.4.0", skipImages: ["temporal"] });
    await synthesized(dir, version);
    const checked = await runCli("publish", ["--release", version, "--preflight"], { cwd: dir, env: NO_CREDENTIALS });
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain("temporal: image");
    expect(checked.stderr).toContain("(tier background: only background services, login still works)");
    const skipped = await runCli("publish", ["--release", version], { cwd: dir, env: NO_CREDENTIALS });
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stdout).toContain("preflight: skipped (publishing into an OCI image layout");
  });

  it("tells an unreachable registry apart from a missing image", async () => {
    const dir = tempDir();
    const { version } = await localRelease(dir, images.host, { version: "3.2.0", pushNothing: true, referencedRegistry: `127.0.0.1:${await closedPort()}` });
    await synthesized(dir, version);
    const result = await publish(dir, "unreachable", ["--release", version, "--json"]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.error).toContain("14 unreachable");
    expect(report.error).toContain("the registry could not be reached");
    expect(report.error).not.toContain("does not exist");
    expect(report.preflight.every((entry: any) => entry.status === "unreachable")).toBe(true);
    expect(await tagsOf("unreachable", "alga-appliance-config")).toEqual([]);
  });

  it("tells a refused credential apart from a missing image", async () => {
    const dir = tempDir();
    const { version } = await localRelease(dir, images.host, { version: "3.3.0", pushNothing: true, referencedRegistry: guarded.host });
    await synthesized(dir, version);
    // An image registry's credentials are its own docker config.json entry (here: a wrong password).
    const dockerConfig = tempDir();
    const auth = Buffer.from(`${guarded.username!}:wrong-password`).toString("base64");
    writeFileSync(join(dockerConfig, "config.json"), JSON.stringify({ auths: { [guarded.host]: { auth } } }));
    const result = await publish(dir, "refused", ["--release", version], { ...NO_CREDENTIALS, DOCKER_CONFIG: dockerConfig });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("14 refused");
    expect(result.stderr).toContain("the registry refused the credentials");
    expect(result.stderr).not.toContain("does not exist");
    // Issue 15 point 5: the fix named is the image registry's own config.json entry, not OCI_USERNAME (never sent there).
    expect(result.stderr).toContain(`Check its entry in $DOCKER_CONFIG/config.json or ~/.docker/config.json, or log in again with \`docker login ${guarded.host}\``);
    expect(result.stderr).not.toContain("Check OCI_USERNAME");
  });

  it("never sends the publish target's credentials from the environment to an image registry", async () => {
    const dir = tempDir();
    const { version } = await localRelease(dir, images.host, { version: "3.4.0", pushNothing: true, referencedRegistry: guarded.host });
    await synthesized(dir, version);
    // OCI_USERNAME/OCI_PASSWORD would open the image registry, but they belong to the publish target.
    const result = await publish(dir, "scoped", ["--release", version], { ...NO_CREDENTIALS, OCI_USERNAME: guarded.username!, OCI_PASSWORD: guarded.password! });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("14 refused");
    expect(result.stderr).not.toContain("does not exist");
    // Issue 15 point 5: the advice names docker login for that host, not the OCI_USERNAME that is set but never sent there.
    expect(result.stderr).toContain(`log in with \`docker login ${guarded.host}\` (its entry in $DOCKER_CONFIG/config.json or ~/.docker/config.json)`);
    expect(result.stderr).not.toMatch(/set OCI_USERNAME|Check OCI_USERNAME/);
    expect(await tagsOf("scoped", "alga-appliance-config")).toEqual([]);
  });
});
