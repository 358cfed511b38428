import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { readFileSync, statSync, truncateSync, renameSync, existsSync, writeFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { parse, stringify } from "yaml";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { localRelease, pushImage } from "../support/reference-images.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli, spawnCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { tarHeader } from "../../src/airgap/archive-tar.js";
import { encode, json, rawHeader, readEntries, writeEntries, type RawEntry } from "./repack.js";

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

/** Every file of a directory tree with its bytes' digest, to show a refused import changed nothing. */
function treeOf(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else files[`${prefix}${entry.name}`] = sha256File(join(dir, entry.name));
    }
  };
  if (existsSync(root)) walk(root, "");
  return files;
}

/** Every blobs/sha256/<hex> file of a layout hashes to its name (temporary files are named otherwise). */
function expectBlobsMatchNames(layout: string): void {
  const dir = join(layout, "blobs", "sha256");
  for (const name of readdirSync(dir).filter((name) => /^[0-9a-f]{64}$/.test(name))) expect(sha256File(join(dir, name))).toBe(`sha256:${name}`);
}

const refName = (entry: any): string => entry.annotations?.["org.opencontainers.image.ref.name"];

beforeAll(async () => {
  [registry, target] = await Promise.all([startRegistry(), startRegistry()]);
  dir = tempDir("airgap-");
  ({ version, base, digests } = await localRelease(dir, registry.host, { version: "3.0.0" }));
  for (const [command, args] of [
    ["lock", ["--release", version]],
    ["synth", ["--release", version]],
    ["keygen", ["--out", "keys"]],
    ["publish", ["--release", version, "--registry", `${registry.host}/alga`, "--plain-http", "--sign-key", "keys/cosign.key", "--channel", "stable", "--json"]],
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
    const one = await runCli("airgap", [...exportArgs(first, "--platform", "linux/amd64,linux/arm64", "--channel", "stable"), "--json"], { cwd: dir });
    expect(one.code, one.stderr).toBe(0);
    const two = await runCli("airgap", exportArgs(second, "--platform", "linux/arm64,linux/amd64", "--channel", "stable"), { cwd: dir, env: { TZ: "Pacific/Chatham", ...env }, shellPrefix: "umask 077;" } as any);
    expect(two.code, two.stderr).toBe(0);
    const report = JSON.parse(one.stdout);
    expect(sha256File(first)).toBe(report.digest);
    expect(sha256File(second)).toBe(report.digest);
    // Without --json the size comes first, then progress lines (bytes, rate, ETA).
    expect(two.stderr).toMatch(/blob\(s\), .* to write/);
    expect(two.stderr).toMatch(/100% \(.* of .*, .*\/s, ETA /);

    // skopeo, a client nobody here wrote, reads it as an oci-archive by the pinned references.
    const layout = JSON.parse((await run("tar", ["-xOf", first, "index.json"])).stdout);
    const names = layout.manifests.map((entry: any) => entry.annotations["org.opencontainers.image.ref.name"]);
    const pgbouncer = `${base}/nine-minds/pgbouncer`;
    expect(names).toContain(`${pgbouncer}:build-1`);
    expect(names).toContain(`${pgbouncer}@${digests["image pgbouncer"]}`);
    expect(names).toContain(`${base}/charts/temporal:2.0.0`);
    expect(names).toContain("alga-appliance-release:3.0.0");
    expect(names.some((name: string) => name.startsWith("alga-appliance-release:sha256-") && name.endsWith(".sig"))).toBe(true);
    // --channel: the channel's signed statement at its history tag (never the channel's own tag), with its signatures.
    expect(names).toContain("alga-appliance-channels:1-stable");
    expect(names).not.toContain("alga-appliance-channels:stable");
    expect(names.filter((name: string) => name.startsWith("alga-appliance-channels:sha256-")).length).toBe(2);
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
    // An interrupted run leaves only FILE.tar.partial (the finished archive is renamed into place last).
    renameSync(out, `${out}.partial`);
    truncateSync(`${out}.partial`, Math.floor(statSync(`${out}.partial`).size * 0.6));
    const resumed = await runCli("airgap", [...exportArgs(out), "--json"], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout);
    expect(report.digest).toBe(digest);
    expect(report.copied).toBeLessThan(blobBytes);
    expect(sha256File(out)).toBe(digest);
    expect(existsSync(`${out}.partial`)).toBe(false);
  }, 240_000);
  it("--layout-out writes the same content as a layout directory, and an export reading images from it (--mirror) gives the same archive", async () => {
    const out = tempDir("airgap-mirror-");
    const direct = JSON.parse((await runCli("airgap", [...exportArgs(join(out, "direct.tar")), "--json"], { cwd: dir })).stdout);
    const layout = await runCli("airgap", ["export", "--release", "3.0.0", "--registry", `${registry.host}/alga`, "--plain-http", "--layout-out", join(out, "layout"), "--json"], { cwd: dir });
    expect(layout.code, layout.stderr).toBe(0);
    const tarIndex = (await readEntries(join(out, "direct.tar"))).find((entry) => entry.path === "index.json")!;
    expect(readFileSync(join(out, "layout", "index.json"), "utf8")).toBe(new TextDecoder().decode(tarIndex.data));
    // Images and charts now come from the mirror layout (the release store is still the registry).
    const mirrored = await runCli("airgap", [...exportArgs(join(out, "mirrored.tar")), "--mirror", join(out, "layout"), "--json"], { cwd: dir });
    expect(mirrored.code, mirrored.stderr).toBe(0);
    expect(JSON.parse(mirrored.stdout).digest).toBe(direct.digest);
  }, 240_000);
});

describe("airgap import", () => {
  it("verifies the signatures with the key, pushes everything, and pull --verify-key then works from the imported registry", async () => {
    const out = join(tempDir("airgap-import-"), "release.tar");
    expect((await runCli("airgap", exportArgs(out, "--platform", "linux/amd64,linux/arm64", "--channel", "stable"), { cwd: dir })).code).toBe(0);
    const imported = await runCli("airgap", ["import", "--file", out, "--registry", `${target.host}/site`, "--plain-http", "--verify-key", "keys/cosign.pub", "--channel", "stable", "--json"], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    const report = JSON.parse(imported.stdout);
    expect(report.verified).toBe(true);
    // The release's channel tag, then the statement's, last.
    expect(report.tags.slice(-2)).toEqual(["site/alga-appliance-release:stable", "site/alga-appliance-channels:stable"]);
    expect(report.tags).toContain("site/alga-appliance-channels:1-stable");
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

  it("import --channel refuses an archive without the channel's statement, naming export --channel, and tags nothing", async () => {
    const out = join(tempDir("airgap-nostatement-"), "release.tar");
    expect((await runCli("airgap", exportArgs(out), { cwd: dir })).code).toBe(0);
    for (const keys of [["--verify-key", "keys/cosign.pub"], []]) {
      const refused = await runCli("airgap", ["import", "--file", out, "--registry", `${target.host}/nostatement`, "--plain-http", ...keys, "--channel", "stable"], { cwd: dir });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("no signed statement for channel stable");
      expect(refused.stderr).toContain("npm run airgap -- export --channel stable");
      const catalog = (await (await fetch(`${target.url}/v2/_catalog?n=1000`)).json()) as { repositories: string[] };
      expect(catalog.repositories.filter((repository) => repository.startsWith("nostatement/"))).toEqual([]);
    }
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

describe("airgap import --oci-layout", () => {
  let archive: string;
  let archiveIndex: any;
  beforeAll(async () => {
    archive = join(tempDir("airgap-layout-"), "release.tar");
    const exported = await runCli("airgap", exportArgs(archive, "--platform", "linux/amd64,linux/arm64", "--channel", "stable"), { cwd: dir });
    expect(exported.code, exported.stderr).toBe(0);
    archiveIndex = json((await readEntries(archive)).find((entry) => entry.path === "index.json")!);
  }, 240_000);

  it("verifies first, then writes every blob and every full reference into the layout (channel references included); skopeo reads it, pull --verify-key reads it, and a later export reads it as its --mirror", async () => {
    const layout = join(tempDir("airgap-layout-"), "site", "layout");
    const imported = await runCli("airgap", ["import", "--file", archive, "--oci-layout", layout, "--verify-key", "keys/cosign.pub", "--channel", "stable", "--json"], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    const report = JSON.parse(imported.stdout);
    expect(report.verified).toBe(true);
    expect(report.blobsSent).toBeGreaterThan(0);
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
    // Every entry of the archive, as export names it (full reference, role, containerd's name on images)...
    expect(index.manifests).toEqual(expect.arrayContaining(archiveIndex.manifests));
    // ...and the channel's references, which the archive alone never carries.
    const byName = new Map<string, any>(index.manifests.map((entry: any) => [refName(entry), entry]));
    expect(byName.get("alga-appliance-release:stable").digest).toBe(byName.get("alga-appliance-release:3.0.0").digest);
    expect(byName.get("alga-appliance-channels:stable").digest).toBe(byName.get("alga-appliance-channels:1-stable").digest);
    expect(index.manifests.length).toBe(archiveIndex.manifests.length + 2);
    const pgbouncer = `${base}/nine-minds/pgbouncer`;
    expect(byName.get(`${pgbouncer}:build-1`).annotations["io.containerd.image.name"]).toBe(`${pgbouncer}:build-1`);
    expectBlobsMatchNames(layout);

    // skopeo, which nobody here wrote, reads images from it by their full references (config and all).
    const inspected = JSON.parse((await run("skopeo", ["inspect", `oci:${layout}:${pgbouncer}@${digests["image pgbouncer"]}`])).stdout);
    expect(inspected.Digest).toBe(digests["image pgbouncer"]);
    const raw = JSON.parse((await run("skopeo", ["inspect", "--raw", `oci:${layout}:${base}/nine-minds/alga-core:build-1`])).stdout);
    expect(raw.manifests.map((m: any) => m.platform.architecture).sort()).toEqual(["amd64", "arm64"]);

    // pull reads the release, its bundle and the channel from the layout, verifying the signatures.
    const pulled = await runCli("pull", ["--oci-layout", layout, "--channel", "stable", "--out", join(tempDir("airgap-layout-pull-"), "appliance"), "--verify-key", "keys/cosign.pub", "--identity", `${registry.host}/alga`, "--json"], { cwd: dir });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(JSON.parse(pulled.stdout).version).toBe("3.0.0");
    // It is read-only to publish: the layout is not a store of one layout per repository.
    const publish = await runCli("publish", ["--release", "3.0.0", "--oci-layout", layout, "--sign-key", "keys/cosign.key"], { cwd: dir, env });
    expect(publish.code).toBe(1);
    expect(publish.stderr).toContain("read-only here");

    // The layout is complete: an export reading images and charts from it gives the archive's bytes.
    const again = join(tempDir("airgap-layout-mirror-"), "again.tar");
    const mirrored = await runCli("airgap", [...exportArgs(again, "--platform", "linux/amd64,linux/arm64", "--channel", "stable"), "--mirror", layout, "--json"], { cwd: dir });
    expect(mirrored.code, mirrored.stderr).toBe(0);
    expect(JSON.parse(mirrored.stdout).digest).toBe(sha256File(archive));

    // A second import writes no blob and leaves index.json's bytes as they were.
    const before = readFileSync(join(layout, "index.json"));
    const second = JSON.parse((await runCli("airgap", ["import", "--file", archive, "--oci-layout", layout, "--channel", "stable", "--json"], { cwd: dir })).stdout);
    expect(second.blobsSent).toBe(0);
    expect(readFileSync(join(layout, "index.json"))).toEqual(before);
  }, 240_000);

  it("a SIGKILL while blobs are written leaves index.json as it was and no partial file under a digest name; the next import completes", async () => {
    const layout = join(tempDir("airgap-layout-kill-"), "layout");
    mkdirSync(join(layout, "blobs", "sha256"), { recursive: true });
    writeFileSync(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(layout, "index.json"), '{"schemaVersion":2,"manifests":[]}');
    const indexBefore = readFileSync(join(layout, "index.json"));
    // This test holds the layout's writers' lock, so the import cannot reach index.json whenever the kill lands.
    writeFileSync(`${layout}.lock`, `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() })}\n`);
    const { child, done } = spawnCli("airgap", ["import", "--file", archive, "--oci-layout", layout], { cwd: dir });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      // The first byte-progress line after verification: blob files are being written.
      const writing = stderr.indexOf("blob(s) and");
      if (writing >= 0 && /\d+% \(/.test(stderr.slice(writing))) child.kill("SIGKILL");
    });
    const result = await done;
    expect(result.signal, stderr).toBe("SIGKILL");
    expect(readFileSync(join(layout, "index.json"))).toEqual(indexBefore);
    expectBlobsMatchNames(layout);

    rmSync(`${layout}.lock`);
    const resumed = await runCli("airgap", ["import", "--file", archive, "--oci-layout", layout, "--json"], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
    // Without --channel the channel's statement and its signatures stay out, as into a registry.
    const carried = archiveIndex.manifests.filter((entry: any) => !refName(entry).startsWith("alga-appliance-channels:"));
    expect(index.manifests).toEqual(expect.arrayContaining(carried));
    expect(index.manifests).toHaveLength(carried.length);
    expectBlobsMatchNames(layout);
  }, 240_000);

  it("usage: exactly one destination, and --plain-http only with --registry", async () => {
    const both = await runCli("airgap", ["import", "--file", archive, "--registry", `${target.host}/x`, "--oci-layout", "somewhere"], { cwd: dir });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give exactly one of --registry");
    const plain = await runCli("airgap", ["import", "--file", archive, "--oci-layout", "somewhere", "--plain-http"], { cwd: dir });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain("--plain-http applies only with --registry");
    expect(existsSync(join(dir, "somewhere"))).toBe(false);
  }, 60_000);
});

describe("hostile archives are refused before any tag is written", () => {
  let valid: string;
  let entries: RawEntry[];
  let hostileLayout: string;
  beforeAll(async () => {
    hostileLayout = join(tempDir("airgap-hostile-layout-"), "layout");
    valid = join(tempDir("airgap-hostile-"), "valid.tar");
    const exported = await runCli("airgap", exportArgs(valid, "--platform", "linux/amd64,linux/arm64"), { cwd: dir });
    expect(exported.code, exported.stderr).toBe(0);
    entries = await readEntries(valid);
  }, 240_000);

  const index = () => entries.find((entry) => entry.path === "index.json")!;
  const withIndex = (mutate: (document: any) => void): RawEntry[] => {
    const document = json(index());
    mutate(document);
    return entries.map((entry) => (entry.path === "index.json" ? { path: entry.path, data: encode(document) } : entry));
  };
  const manifestOf = (reference: string) => {
    const entry = json(index()).manifests.find((m: any) => m.annotations["org.opencontainers.image.ref.name"] === reference);
    return { descriptor: entry, entry: entries.find((e) => e.path === `blobs/sha256/${entry.digest.slice(7)}`)! };
  };

  async function refused(name: string, hostile: RawEntry[], expected: RegExp, options: { end?: boolean; key?: boolean } = {}): Promise<void> {
    const file = join(tempDir("airgap-hostile-"), `${name}.tar`);
    writeEntries(file, hostile, options);
    const namespace = `hostile-${name}`;
    const keys = options.key ? ["--verify-key", "keys/cosign.pub"] : [];
    const layoutBefore = treeOf(hostileLayout);
    const [result, intoLayout] = await Promise.all([
      runCli("airgap", ["import", "--file", file, "--registry", `${target.host}/${namespace}`, "--plain-http", ...keys], { cwd: dir }),
      runCli("airgap", ["import", "--file", file, "--oci-layout", hostileLayout, ...keys], { cwd: dir }),
    ]);
    expect(result.stderr).toMatch(expected);
    expect(result.code).toBe(1);
    // The same refusal into an OCI layout: not one of its files changed.
    expect(intoLayout.stderr).toMatch(expected);
    expect(intoLayout.code).toBe(1);
    expect(treeOf(hostileLayout)).toEqual(layoutBefore);
    // Not one repository was written to: the registry's catalog holds nothing of this import.
    const catalog = (await (await fetch(`${target.url}/v2/_catalog?n=1000`)).json()) as { repositories: string[] };
    expect(catalog.repositories.filter((repository) => repository.startsWith(namespace))).toEqual([]);
  }

  it("the valid archive itself imports (so each refusal below is for its one change), into a registry and into the layout the refusals then leave alone", async () => {
    const result = await runCli("airgap", ["import", "--file", valid, "--registry", `${target.host}/control`, "--plain-http", "--verify-key", "keys/cosign.pub"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const layout = await runCli("airgap", ["import", "--file", valid, "--oci-layout", hostileLayout, "--verify-key", "keys/cosign.pub"], { cwd: dir });
    expect(layout.code, layout.stderr).toBe(0);
    expect(Object.keys(treeOf(hostileLayout))).toContain("index.json");
  }, 120_000);

  it("a symbolic link, a hard link, or a path outside the layout", async () => {
    await refused("symlink", [...entries, { path: "blobs/sha256/evil", data: new Uint8Array(0), header: rawHeader("blobs/sha256/evil", "2", 0, "/etc/passwd") }], /symbolic link/);
    await refused("hardlink", [...entries, { path: "x", data: new Uint8Array(0), header: rawHeader("index.json.bak", "1", 0, "index.json") }], /hard link/);
    await refused("traversal", [...entries, { path: "../../etc/cron.d/x", data: encode("boom"), header: rawHeader("../../etc/cron.d/x", "0", 6) }], /unexpected entry "\.\.\/\.\.\/etc\/cron\.d\/x"/);
  }, 120_000);

  it("a blob whose bytes do not match its digest", async () => {
    const layer = manifestOf(`${base}/nine-minds/pgbouncer:build-1`);
    const manifest = json(layer.entry);
    const path = `blobs/sha256/${manifest.layers[0].digest.slice(7)}`;
    const hostile = entries.map((entry) => (entry.path === path ? { path, data: new Uint8Array(entry.data).fill(0x41) } : entry));
    await refused("bad-bytes", hostile, /holds bytes hashing to sha256:/);
  }, 120_000);

  it("a manifest naming a blob the archive does not hold", async () => {
    const layer = manifestOf(`${base}/nine-minds/pgbouncer:build-1`);
    const manifest = json(layer.entry);
    const path = `blobs/sha256/${manifest.layers[0].digest.slice(7)}`;
    await refused("missing-blob", entries.filter((entry) => entry.path !== path), /does not hold/);
  }, 120_000);

  it("a descriptor declaring 100 GB, and a tar header declaring 100 GB", async () => {
    const { descriptor } = manifestOf(`${base}/nine-minds/pgbouncer:build-1`);
    await refused("declared-size", withIndex((document) => {
      const entry = document.manifests.find((m: any) => m.digest === descriptor.digest);
      entry.size = 100 * 1024 ** 3;
    }), /over the ceiling/);
    await refused("tar-size", [...entries, { path: `blobs/sha256/${"0".repeat(64)}`, data: new Uint8Array(0), header: tarHeader(`blobs/sha256/${"0".repeat(64)}`, "file", 100 * 1024 ** 3) }], /declares 107374182400 bytes but the archive ends/, { end: false });
  }, 120_000);

  it("an index naming the same reference twice", async () => {
    await refused("twice", withIndex((document) => {
      const first = document.manifests[0];
      const other = document.manifests.find((m: any) => m.digest !== first.digest);
      document.manifests.push({ ...other, annotations: { ...other.annotations, "org.opencontainers.image.ref.name": first.annotations["org.opencontainers.image.ref.name"] } });
    }), /names ".*" twice/);
  }, 120_000);

  it("a channel tag carried inside the archive (only import's --channel moves a channel)", async () => {
    await refused("channel", withIndex((document) => {
      const release = document.manifests.find((m: any) => m.annotations["org.opencontainers.image.ref.name"] === "alga-appliance-release:3.0.0");
      document.manifests.push({ ...release, annotations: { ...release.annotations, "org.opencontainers.image.ref.name": "alga-appliance-release:stable" } });
    }), /must be a version tag of the release store/);
  }, 120_000);

  it("a statement named at a channel's own tag (statements travel at their history tag only)", async () => {
    await refused("statement-tag", withIndex((document) => {
      const release = document.manifests.find((m: any) => m.annotations["org.opencontainers.image.ref.name"] === "alga-appliance-release:3.0.0");
      document.manifests.push({ ...release, annotations: { ...release.annotations, "org.opencontainers.image.ref.name": "alga-appliance-channels:stable", "dev.alga.airgap.role": "statement" } });
    }), /must be a alga-appliance-channels:<sequence>-<channel> tag/);
  }, 120_000);

  it("a signature for another digest: the release's .sig tag pointed at the config bundle's signature", async () => {
    const release = manifestOf("alga-appliance-release:3.0.0").descriptor;
    const config = manifestOf("alga-appliance-config:3.0.0").descriptor;
    const sig = (digest: string) => `sha256-${digest.slice(7)}.sig`;
    await refused("other-digest", withIndex((document) => {
      const releaseSig = document.manifests.find((m: any) => m.annotations["org.opencontainers.image.ref.name"] === `alga-appliance-release:${sig(release.digest)}`);
      const configSig = document.manifests.find((m: any) => m.annotations["org.opencontainers.image.ref.name"] === `alga-appliance-config:${sig(config.digest)}`);
      Object.assign(releaseSig, { digest: configSig.digest, size: configSig.size });
    }), /the signed payload names digest sha256:[0-9a-f]{64}, not sha256:/, { key: true });
  }, 120_000);
});

describe("deltas", () => {
  // Both platforms: docker-registry 2.8 refuses an image index whose other platforms' manifests are absent.
  const BOTH = ["--platform", "linux/amd64,linux/arm64"];
  it("--since leaves out what the base archive holds; import refuses the delta where the base is missing (naming it), and applies it on top of the base", async () => {
    // 3.1.0: 3.0.0 with a new pgbouncer image.
    const client = new RegistryClient({ registry: registry.host, plainHttp: true });
    const path = `${base.slice(base.indexOf("/") + 1)}/nine-minds/pgbouncer`;
    const newDigest = await pushImage(client, path, "build-2", "pgbouncer 3.1.0");
    const release = parse(readFileSync(join(dir, "releases", "3.0.0.yaml"), "utf8"));
    release.version = "3.1.0";
    release.components.pgbouncer.image = `${base}/nine-minds/pgbouncer:build-2`;
    writeFileSync(join(dir, "releases", "3.1.0.yaml"), stringify(release));
    for (const [command, args] of [
      ["lock", ["--release", "3.1.0"]],
      ["synth", ["--release", "3.1.0"]],
      ["publish", ["--release", "3.1.0", "--registry", `${registry.host}/alga`, "--plain-http", "--sign-key", "keys/cosign.key", "--channel", "stable"]],
    ] as const) {
      const result = await runCli(command, [...args], { cwd: dir, env });
      expect(result.code, `${command}: ${result.stderr}`).toBe(0);
    }
    const out = tempDir("airgap-delta-");
    const full = JSON.parse((await runCli("airgap", ["export", "--release", "3.1.0", "--registry", `${registry.host}/alga`, "--plain-http", "--out", join(out, "full.tar"), ...BOTH, "--json"], { cwd: dir })).stdout);
    const deltaRun = await runCli("airgap", ["export", "--release", "3.1.0", "--since", "3.0.0", "--channel", "stable", "--registry", `${registry.host}/alga`, "--plain-http", "--out", join(out, "delta.tar"), ...BOTH, "--json"], { cwd: dir });
    expect(deltaRun.code, deltaRun.stderr).toBe(0);
    const delta = JSON.parse(deltaRun.stdout);
    expect(delta.blobs).toBeLessThan(full.blobs);
    const names = (await readEntries(join(out, "delta.tar"))).map((entry) => entry.path);
    expect(names).toContain(`blobs/sha256/${newDigest.slice(7)}`);
    // Unchanged: the temporal image is named in index.json but its manifest is not in the delta.
    const temporal = (await readEntries(join(out, "full.tar"))).find((entry) => entry.path === "index.json")!;
    const temporalDigest = json(temporal).manifests.find((m: any) => m.annotations["org.opencontainers.image.ref.name"] === `${base}/nine-minds/temporal:build-1`).digest;
    expect(names).not.toContain(`blobs/sha256/${temporalDigest.slice(7)}`);

    const fresh = await startRegistry();
    try {
      const refused = await runCli("airgap", ["import", "--file", join(out, "delta.tar"), "--registry", `${fresh.host}/site`, "--plain-http", "--verify-key", "keys/cosign.pub"], { cwd: dir });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("delta of release 3.1.0 on top of 3.0.0");
      expect(refused.stderr).toContain("Import the 3.0.0 archive first");
      const catalog = (await (await fetch(`${fresh.url}/v2/_catalog`)).json()) as { repositories: string[] };
      expect(catalog.repositories).toEqual([]);

      const baseArchive = join(out, "base.tar");
      expect((await runCli("airgap", exportArgs(baseArchive, ...BOTH), { cwd: dir })).code).toBe(0);
      expect((await runCli("airgap", ["import", "--file", baseArchive, "--registry", `${fresh.host}/site`, "--plain-http"], { cwd: dir })).code).toBe(0);
      const applied = await runCli("airgap", ["import", "--file", join(out, "delta.tar"), "--registry", `${fresh.host}/site`, "--plain-http", "--verify-key", "keys/cosign.pub", "--channel", "stable", "--json"], { cwd: dir });
      expect(applied.code, applied.stderr).toBe(0);
      const pulled = await runCli("pull", ["--registry", `${fresh.host}/site`, "--plain-http", "--channel", "stable", "--out", join(tempDir("airgap-delta-pull-"), "appliance"), "--verify-key", "keys/cosign.pub", "--identity", `${registry.host}/alga`, "--json"], { cwd: dir });
      expect(pulled.code, pulled.stderr).toBe(0);
      expect(JSON.parse(pulled.stdout).version).toBe("3.1.0");
      const imported = new RegistryClient({ registry: fresh.host, plainHttp: true });
      expect((await imported.repository(path).resolve("build-2"))?.digest).toBe(newDigest);

      // The same into an OCI layout: refused where the base is missing (the layout is not even created), applied on top of it.
      const layout = join(tempDir("airgap-delta-layout-"), "layout");
      const refusedLayout = await runCli("airgap", ["import", "--file", join(out, "delta.tar"), "--oci-layout", layout], { cwd: dir });
      expect(refusedLayout.code).toBe(1);
      expect(refusedLayout.stderr).toContain("Import the 3.0.0 archive into it first");
      expect(existsSync(layout)).toBe(false);
      expect((await runCli("airgap", ["import", "--file", baseArchive, "--oci-layout", layout], { cwd: dir })).code).toBe(0);
      const appliedLayout = await runCli("airgap", ["import", "--file", join(out, "delta.tar"), "--oci-layout", layout, "--verify-key", "keys/cosign.pub", "--channel", "stable"], { cwd: dir });
      expect(appliedLayout.code, appliedLayout.stderr).toBe(0);
      const layoutIndex = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
      const named = (name: string) => layoutIndex.manifests.find((entry: any) => refName(entry) === name)?.digest;
      expect(named(`${base}/nine-minds/pgbouncer:build-2`)).toBe(newDigest);
      expect(named("alga-appliance-release:stable")).toBe(named("alga-appliance-release:3.1.0"));
      expectBlobsMatchNames(layout);
    } finally {
      await fresh.stop();
    }
  }, 300_000);

  it("a statement for another digest: export refuses it, and import refuses an archive carrying one, tagging nothing", async () => {
    // stable now names 3.1.0 (the test above), so exporting 3.0.0 with it is refused.
    const out = tempDir("airgap-otherstatement-");
    const exported = await runCli("airgap", exportArgs(join(out, "refused.tar"), "--channel", "stable"), { cwd: dir });
    expect(exported.code).toBe(1);
    expect(exported.stderr).toMatch(/points stable at 3\.1\.0 \(sha256:[0-9a-f]{64}\), not at the exported release 3\.0\.0/);
    expect(existsSync(join(out, "refused.tar"))).toBe(false);
    // A hostile archive: the 3.0.0 archive with 3.1.0's (validly signed) statement and its signatures spliced in.
    const full = join(out, "full.tar");
    expect((await runCli("airgap", ["export", "--release", "3.1.0", "--registry", `${registry.host}/alga`, "--plain-http", "--out", full, "--channel", "stable"], { cwd: dir })).code).toBe(0);
    const older = join(out, "older.tar");
    expect((await runCli("airgap", exportArgs(older), { cwd: dir })).code).toBe(0);
    const donor = await readEntries(full);
    const entries = await readEntries(older);
    const donorIndex = json(donor.find((entry) => entry.path === "index.json")!);
    const statements = donorIndex.manifests.filter((m: any) => m.annotations["org.opencontainers.image.ref.name"].startsWith("alga-appliance-channels:"));
    expect(statements.length).toBe(3);
    const document = json(entries.find((entry) => entry.path === "index.json")!);
    document.manifests.push(...statements);
    const present = new Set(entries.map((entry) => entry.path));
    const spliced = [...entries.map((entry) => (entry.path === "index.json" ? { path: entry.path, data: encode(document) } : entry)), ...donor.filter((entry) => entry.path.startsWith("blobs/sha256/") && !present.has(entry.path))];
    const hostile = join(out, "hostile.tar");
    writeEntries(hostile, spliced, {});
    for (const keys of [["--verify-key", "keys/cosign.pub"], []]) {
      const refused = await runCli("airgap", ["import", "--file", hostile, "--registry", `${target.host}/otherstatement`, "--plain-http", ...keys, "--channel", "stable"], { cwd: dir });
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr).toContain("the archive's statement for channel stable is refused");
      expect(refused.stderr).toMatch(/3\.1\.0 \(sha256:[0-9a-f]{64}\)/);
      const catalog = (await (await fetch(`${target.url}/v2/_catalog?n=1000`)).json()) as { repositories: string[] };
      expect(catalog.repositories.filter((repository) => repository.startsWith("otherstatement/"))).toEqual([]);
    }
  }, 300_000);
});
