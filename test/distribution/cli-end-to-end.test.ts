import { execFile } from "node:child_process";
import { cpSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELEASES_DIR } from "../support/rendered.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { treeFingerprint } from "../support/tree.js";

const run = promisify(execFile);

/** A checkout-like directory with releases/ and a synthesized dist/. */
async function synthesizedCheckout(): Promise<string> {
  const dir = tempDir();
  cpSync(RELEASES_DIR, join(dir, "releases"), { recursive: true });
  const synth = await runCli("synth", [], { cwd: dir });
  expect(synth.code, synth.stderr).toBe(0);
  return dir;
}

const NO_CREDENTIALS = { OCI_USERNAME: "", OCI_PASSWORD: "", OCI_TOKEN: "", DOCKER_CONFIG: "/nonexistent" };

describe("npm run synth && npm run publish (the README's first command)", () => {
  it("publishes every release into ./oci-layout, and the appliance side pulls it back", async () => {
    const dir = await synthesizedCheckout();
    const published = await runCli("publish", ["--json"], { cwd: dir });
    expect(published.code, published.stderr).toBe(0);
    const report = JSON.parse(published.stdout);
    expect(report.target).toBe(`oci-layout:${join(dir, "oci-layout")}`);
    expect(report.releases.map((r: any) => r.version)).toEqual(["1.0-rc5", "1.0.0-offline", "1.0.0"]);
    expect(existsSync(join(dir, "oci-layout", "alga-appliance-config", "index.json"))).toBe(true);
    // Issue 19 point 3: 1.0.0's status image is the kit's own. Publish built it on the base the kit
    // assembles from releases/base/ and pushed exactly the digest the lock records and the rendered
    // Deployment pins (skopeo, not the kit, reads it back).
    const lock = parse(readFileSync(join(RELEASES_DIR, "1.0.0.lock.yaml"), "utf8")) as { images: { reference: string; digest: string; built?: { base: string } }[] };
    const built = lock.images.find((image) => image.reference === "ghcr.io/nine-minds/alga-appliance-status:1.0.0")!;
    expect(built.built?.base).toBe("sha256:f0822d894201cb7e4326a14c7c6601a5b252f05ff0a1afa190353bd41f7e42f2");
    expect(report.releases.find((r: any) => r.version === "1.0.0").statusImage).toMatchObject({ digest: built.digest, alreadyPresent: false });
    expect(readFileSync(join(dir, "dist", "1.0.0", "config", "platform", "status-service.yaml"), "utf8")).toContain(`image: ghcr.io/nine-minds/alga-appliance-status:1.0.0@${built.digest}`);
    const index = JSON.parse((await run("skopeo", ["inspect", "--raw", `oci:${join(dir, "oci-layout", "alga-appliance-status")}:1.0.0`])).stdout);
    expect(index.manifests.map((m: any) => `${m.platform.os}/${m.platform.architecture}`)).toEqual(["linux/amd64", "linux/arm64"]);
    const arm64 = JSON.parse((await run("skopeo", ["inspect", "--override-os", "linux", "--override-arch", "arm64", `oci:${join(dir, "oci-layout", "alga-appliance-status")}:1.0.0`])).stdout);
    expect(arm64).toMatchObject({ Digest: built.digest, Architecture: "arm64", Labels: { "org.opencontainers.image.version": "1.0.0" } });
    const amd64 = JSON.parse(readFileSync(join(dir, "oci-layout", "alga-appliance-status", "blobs", "sha256", index.manifests[0].digest.slice("sha256:".length)), "utf8"));
    expect(amd64.annotations["org.opencontainers.image.base.name"]).toBe("ghcr.io/nine-minds/alga-appliance-node:22.23.5-debian12@sha256:f0822d894201cb7e4326a14c7c6601a5b252f05ff0a1afa190353bd41f7e42f2");

    const again = await runCli("publish", [], { cwd: dir });
    expect(again.stdout).toContain(`status image: alga-appliance-status:1.0.0@${built.digest} already there, uploaded nothing`);
    expect(again.stdout).toContain("1.0-rc5: already published, uploaded 0 blob(s), 0 bytes");
    // The offline default needs no network, and says that it did not check the images.
    expect(again.stdout).toContain("preflight: skipped (publishing into an OCI image layout");

    // rc5 runs on moving tags: no channel points at it unless asked for.
    const unpinned = await runCli("promote", ["--channel", "stable", "--release", "1.0-rc5"], { cwd: dir });
    expect(unpinned.code).toBe(1);
    expect(unpinned.stderr).toContain("release 1.0-rc5 is not pinned by digest, so the channel stable cannot point at it");
    expect(unpinned.stderr).toContain("workflow-worker: ghcr.io/nine-minds/workflow-worker:61e4a00e");
    expect(JSON.parse((await runCli("channels", ["--json"], { cwd: dir })).stdout).channels).toEqual([]);

    const promoted = await runCli("promote", ["--channel", "stable", "--release", "1.0.0"], { cwd: dir });
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toContain("stable -> 1.0.0 (new channel)");
    const channels = await runCli("channels", ["--json"], { cwd: dir });
    expect(JSON.parse(channels.stdout).channels).toEqual([expect.objectContaining({ channel: "stable", version: "1.0.0" })]);

    const pulled = await runCli("pull", ["--oci-layout", "oci-layout", "--channel", "stable", "--out", "appliance", "--json"], { cwd: dir });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(JSON.parse(pulled.stdout)).toMatchObject({ version: "1.0.0", files: 14 });
    expect(treeFingerprint(join(dir, "appliance", "config"))).toEqual(treeFingerprint(join(dir, "dist", "1.0.0", "config")));
  });

  it("explains a publish before synth", async () => {
    const dir = tempDir();
    cpSync(RELEASES_DIR, join(dir, "releases"), { recursive: true });
    const result = await runCli("publish", ["--release", "1.0-rc5"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("run npm run synth -- --release 1.0-rc5 first");
  });
});

describe("publishing to authenticated registries", () => {
  let basic: RunningRegistry;
  let token: RunningRegistry;
  let checkout: string;
  beforeAll(async () => {
    [basic, token, checkout] = await Promise.all([startRegistry({ auth: "basic" }), startRegistry({ auth: "token" }), synthesizedCheckout()]);
  });
  afterAll(async () => {
    await Promise.all([basic?.stop(), token?.stop()]);
  });

  it("basic auth: refused without credentials with a message saying what to set, accepted with OCI_USERNAME/OCI_PASSWORD", async () => {
    // The releases' images live on ghcr.io, which these tests cannot reach: preflight has its own tests.
    const args = ["--release", "1.0-rc5", "--registry", `${basic.host}/alga`, "--plain-http", "--channel", "stable", "--skip-preflight", "--allow-unpinned"];
    const refused = await runCli("publish", args, { cwd: checkout, env: NO_CREDENTIALS });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/OCI_USERNAME/);
    expect(refused.stderr).not.toMatch(/at .*\.ts:\d+/);

    const env = { ...NO_CREDENTIALS, OCI_USERNAME: basic.username!, OCI_PASSWORD: basic.password! };
    const accepted = await runCli("publish", [...args, "--json"], { cwd: checkout, env });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(JSON.parse(accepted.stdout).releases[0].channels[0].reference).toBe(`${basic.host}/alga/alga-appliance-release:stable`);

    const out = join(tempDir(), "pulled");
    const pulled = await runCli("pull", ["--registry", `${basic.host}/alga`, "--plain-http", "--channel", "stable", "--out", out], { cwd: checkout, env });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(readFileSync(join(out, "flux", "source.yaml"), "utf8")).toContain(`url: oci://${basic.host}/alga/alga-appliance-config`);
  });

  it("token auth: anonymous pushes are refused, credentials from docker's config.json are accepted", async () => {
    const args = ["--release", "1.0.0", "--registry", `${token.host}/alga`, "--plain-http", "--skip-preflight"];
    const refused = await runCli("publish", args, { cwd: checkout, env: NO_CREDENTIALS });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/denied|authentication|unauthorized/i);

    const dockerConfig = tempDir();
    const auth = Buffer.from(`${token.username}:${token.password}`).toString("base64");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dockerConfig, "config.json"), JSON.stringify({ auths: { [token.host]: { auth } } }));
    const env = { ...NO_CREDENTIALS, DOCKER_CONFIG: dockerConfig };
    const accepted = await runCli("publish", args, { cwd: checkout, env });
    expect(accepted.code, accepted.stderr).toBe(0);
    const out = join(tempDir(), "pulled");
    const pulled = await runCli("pull", ["--registry", `${token.host}/alga`, "--plain-http", "--release", "1.0.0", "--out", out, "--json"], { cwd: checkout, env });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(JSON.parse(pulled.stdout).version).toBe("1.0.0");
  });

  it("digests are the same from a second checkout: publishing it finds everything already there", async () => {
    const second = await synthesizedCheckout();
    const env = { ...NO_CREDENTIALS, OCI_USERNAME: basic.username!, OCI_PASSWORD: basic.password! };
    const result = await runCli("publish", ["--release", "1.0-rc5", "--registry", `${basic.host}/alga`, "--plain-http", "--skip-preflight", "--json"], { cwd: second, env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).releases[0]).toMatchObject({ alreadyPublished: true, blobsUploaded: 0 });
  });
});
