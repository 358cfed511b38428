import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { readFileSync, statSync, truncateSync, copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { localRelease } from "../support/reference-images.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const run = promisify(execFile);
let registry: RunningRegistry;
let target: RunningRegistry;
let dir: string;
let version: string;
let base: string;
let digests: Record<string, string>;
const env = { COSIGN_PASSWORD: "airgap-test" } as NodeJS.ProcessEnv;

function sha256File(path: string): string {
  return `sha256:${createHash("sha256").update(readFileSync(path)).digest("hex")}`;
}

beforeAll(async () => {
  [registry, target] = await Promise.all([startRegistry(), startRegistry()]);
  dir = tempDir("airgap-");
  ({ version, base, digests } = await localRelease(dir, registry.host, { version: "3.0.0" }));
  for (const [command, args] of [
    ["lock", ["--release", version]],
    ["synth", ["--release", version]],
    ["keygen", ["--out", "keys"]],
    ["publish", ["--release", version, "--registry", `${registry.host}/alga`, "--plain-http", "--sign-key", "keys/cosign.key", "--json"]],
  ] as const) {
    const result = await runCli(command, [...args], { cwd: dir, env });
    expect(result.code, `${command}: ${result.stderr}`).toBe(0);
  }
}, 240_000);

afterAll(async () => {
  await Promise.all([registry?.stop(), target?.stop()]);
});

const exportArgs = (out: string, ...more: string[]) => ["export", "--release", "3.0.0", "--registry", `${registry.host}/alga`, "--plain-http", "--out", out, ...more];

describe("airgap export", () => {
  it("writes every pinned image, chart, the release, its bundle and all signatures into one archive, the same bytes from two runs in different directories", async () => {
    const first = join(tempDir("airgap-out-"), "release.tar");
    const second = join(tempDir("airgap-other-"), "nested", "copy.tar");
    const one = await runCli("airgap", [...exportArgs(first, "--platform", "linux/amd64,linux/arm64"), "--json"], { cwd: dir });
    expect(one.code, one.stderr).toBe(0);
    const two = await runCli("airgap", exportArgs(second, "--platform", "linux/arm64,linux/amd64"), { cwd: dir, env: { TZ: "Pacific/Chatham", ...env }, shellPrefix: "umask 077;" } as any);
    expect(two.code, two.stderr).toBe(0);
    const report = JSON.parse(one.stdout);
    expect(sha256File(first)).toBe(report.digest);
    expect(sha256File(second)).toBe(report.digest);
    // Without --json the size comes first, then progress lines (bytes, rate, ETA).
    expect(two.stderr).toMatch(/blob\(s\), .* to write/);
    expect(two.stderr).toMatch(/of .* \(100%\), .*\/s, ETA/);

    // skopeo, a client nobody here wrote, reads it as an oci-archive by the pinned references.
    const layout = JSON.parse((await run("tar", ["-xOf", first, "index.json"])).stdout);
    const names = layout.manifests.map((entry: any) => entry.annotations["org.opencontainers.image.ref.name"]);
    const pgbouncer = `${base}/nine-minds/pgbouncer`;
    expect(names).toContain(`${pgbouncer}:build-1`);
    expect(names).toContain(`${pgbouncer}@${digests["image pgbouncer"]}`);
    expect(names).toContain(`${base}/charts/temporal:2.0.0`);
    expect(names).toContain("alga-appliance-release:3.0.0");
    expect(names.some((name: string) => name.startsWith("alga-appliance-release:sha256-") && name.endsWith(".sig"))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    const image = layout.manifests.find((entry: any) => entry.annotations["org.opencontainers.image.ref.name"] === `${pgbouncer}:build-1`);
    expect(image.annotations["io.containerd.image.name"]).toBe(`${pgbouncer}:build-1`);
    const inspected = JSON.parse((await run("skopeo", ["inspect", "--raw", `oci-archive:${first}:${base}/nine-minds/alga-core:build-1`])).stdout);
    expect(inspected.manifests.map((m: any) => m.platform.architecture).sort()).toEqual(["amd64", "arm64"]);
  }, 240_000);

  it("resumes an interrupted export: a cut-off .partial is kept up to its last whole verified entry and completed to the same bytes", async () => {
    const out = join(tempDir("airgap-resume-"), "release.tar");
    const whole = await runCli("airgap", [...exportArgs(out), "--json"], { cwd: dir });
    expect(whole.code, whole.stderr).toBe(0);
    const { digest, blobBytes } = JSON.parse(whole.stdout);
    copyFileSync(out, `${out}.partial`);
    truncateSync(`${out}.partial`, Math.floor(statSync(out).size * 0.6));
    const resumed = await runCli("airgap", [...exportArgs(out), "--json"], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout);
    expect(report.digest).toBe(digest);
    expect(report.copied).toBeLessThan(blobBytes);
    expect(sha256File(out)).toBe(digest);
    expect(existsSync(`${out}.partial`)).toBe(false);
  }, 240_000);
});

describe("airgap import", () => {
  it("verifies the signatures with the key, pushes everything, and pull --verify-key then works from the imported registry", async () => {
    const out = join(tempDir("airgap-import-"), "release.tar");
    expect((await runCli("airgap", exportArgs(out, "--platform", "linux/amd64,linux/arm64"), { cwd: dir })).code).toBe(0);
    const imported = await runCli("airgap", ["import", "--file", out, "--registry", `${target.host}/site`, "--plain-http", "--verify-key", "keys/cosign.pub", "--channel", "stable", "--json"], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    const report = JSON.parse(imported.stdout);
    expect(report.verified).toBe(true);
    expect(report.tags.at(-1)).toBe("site/alga-appliance-release:stable");
    // Images keep their repository paths: the pinned digest is there under the same path.
    const path = `${base.slice(base.indexOf("/") + 1)}/nine-minds/pgbouncer`;
    const client = new RegistryClient({ registry: target.host, plainHttp: true });
    expect((await client.repository(path).resolve("build-1"))?.digest).toBe(digests["image pgbouncer"]);
    expect((await client.repository(path).resolve(digests["image pgbouncer"]!))?.digest).toBe(digests["image pgbouncer"]);
    // skopeo reads the imported registry.
    await run("skopeo", ["inspect", "--tls-verify=false", "--raw", `docker://${target.host}/${path}@${digests["image pgbouncer"]}`]);
    const pulled = await runCli("pull", ["--registry", `${target.host}/site`, "--plain-http", "--channel", "stable", "--out", join(tempDir("airgap-pull-"), "appliance"), "--verify-key", "keys/cosign.pub", "--identity", `${registry.host}/alga`, "--json"], { cwd: dir });
    expect(pulled.code, pulled.stderr).toBe(0);
    // A second import sends no blob again.
    const again = JSON.parse((await runCli("airgap", ["import", "--file", out, "--registry", `${target.host}/site`, "--plain-http", "--json"], { cwd: dir })).stdout);
    expect(again.blobsSent).toBe(0);
  }, 240_000);

  it("refuses an archive signed by another key, writing no tag", async () => {
    const out = join(tempDir("airgap-wrongkey-"), "release.tar");
    expect((await runCli("airgap", exportArgs(out), { cwd: dir })).code).toBe(0);
    expect((await runCli("keygen", ["--out", "other-keys"], { cwd: dir, env })).code).toBe(0);
    const refused = await runCli("airgap", ["import", "--file", out, "--registry", `${target.host}/refused`, "--plain-http", "--verify-key", "other-keys/cosign.pub"], { cwd: dir });
    expect(refused.code).toBe(1);
    const client = new RegistryClient({ registry: target.host, plainHttp: true });
    expect(await client.repository("refused/alga-appliance-release").listTags()).toEqual([]);
  }, 240_000);
});
