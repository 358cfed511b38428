/**
 * Issue 19 point 5: the built image runs in a real runtime. containerd and runc from Debian
 * (containerd as root, with its own config, root, state and socket under a temp dir) pull the
 * image the kit built from a local docker-registry and run it with its default command — `ctr run
 * --net-host …` with no arguments after the container id — read-only, as the Deployment runs it.
 * The test supplies what the Deployment mounts: the token file at /var/run/appliance-status/token,
 * an emptyDir-like tmpfs at /tmp, and (in place of the in-cluster service account) a kubeconfig
 * through KUBECONFIG for an API stand-in that refuses every list as RBAC would.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statusSchemaValidator } from "../services/status/status-fixtures.js";
import { startLocalServer, type LocalServer } from "../support/local-server.js";
import { pushNodeBaseImage } from "../support/node-base-image.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { releaseBuildingOn } from "./status-image-release.js";

const run = promisify(execFile);
const TOKEN = "image-test-token-0123456789";
const NAMESPACE = "ark-image-test";
const PORT = 8090;

let registry: RunningRegistry;
let apiServer: LocalServer;
let containerd: ChildProcess | undefined;
let task: ChildProcess | undefined;
let taskOutput = "";
let socket = "";
let image = "";
const containerId = `ark-status-${process.pid}`;
const ctr = (...args: string[]) => run("ctr", ["--address", socket, "--namespace", NAMESPACE, ...args], { maxBuffer: 16 * 1024 * 1024 });

/** Waits (bounded) until `probe` succeeds: the service is ready when it answers, however loaded the machine is. */
async function until<T>(what: string, probe: () => Promise<T>, limitMs = 90_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${limitMs / 1000} s: ${(error as Error).message}\n${taskOutput}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
  });
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("this test runs containerd, which needs root (CI runs as root; run the suite with sudo)");
  registry = await startRegistry();
  const base = await pushNodeBaseImage(registry.host);
  const built = await runCli("image", ["--service", "status", "--release", releaseBuildingOn(base.reference), "--registry", `${registry.host}/ark`, "--plain-http", "--platform", "linux/amd64,linux/arm64", "--json"], {
    env: { SOURCE_DATE_EPOCH: "1767225600", SIGNING_KEY_FILE: undefined } as unknown as NodeJS.ProcessEnv,
  });
  if (built.code !== 0) throw new Error(`npm run image failed: ${built.stderr}`);
  image = `${registry.host}/ark/alga-appliance-status:1.0.0`;

  // An API server stand-in (none can run here): every list is forbidden, as for an unbound service account.
  apiServer = await startLocalServer((request, response) => {
    response.statusCode = 403;
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "Forbidden", code: 403, message: `forbidden: ${request.url}` }));
  });

  const dir = tempDir("ark-ctd-");
  socket = join(dir, "containerd.sock");
  writeFileSync(
    join(dir, "config.toml"),
    [
      "version = 2",
      `root = "${join(dir, "root")}"`,
      `state = "${join(dir, "state")}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      "[grpc]",
      `  address = "${socket}"`,
      "[ttrpc]",
      `  address = "${socket}.ttrpc"`,
      "",
    ].join("\n"),
  );
  containerd = spawn("containerd", ["--config", join(dir, "config.toml")], { stdio: ["ignore", "ignore", "pipe"] });
  let containerdLog = "";
  containerd.stderr!.on("data", (chunk) => (containerdLog = (containerdLog + chunk).slice(-20_000)));
  await until("containerd answering on its socket", () => ctr("version")).catch((error) => {
    throw new Error(`${(error as Error).message}\ncontainerd said:\n${containerdLog}`);
  });
  await ctr("images", "pull", "--plain-http", "--platform", "linux/amd64", image);

  // What the Deployment mounts: the token Secret (key `token`) and, here, a kubeconfig.
  const token = join(dir, "token");
  const kube = join(dir, "kube");
  mkdirSync(token);
  mkdirSync(kube);
  writeFileSync(join(token, "token"), TOKEN);
  writeFileSync(
    join(kube, "config"),
    `apiVersion: v1\nkind: Config\nclusters:\n- name: appliance\n  cluster: {server: "http://127.0.0.1:${apiServer.port}", insecure-skip-tls-verify: true}\nusers:\n- name: status\n  user: {token: sa-token}\ncontexts:\n- name: appliance\n  context: {cluster: appliance, user: status}\ncurrent-context: appliance\n`,
  );
  // Readable by 65532 (the image's user), as a Secret volume is.
  for (const path of [dir, token, kube]) chmodSync(path, 0o755);
  for (const path of [join(token, "token"), join(kube, "config")]) chmodSync(path, 0o644);

  if (!(await portIsFree(PORT))) throw new Error(`port ${PORT} is in use on this host; the image's default command listens there (ctr run --net-host)`);
  task = spawn(
    "ctr",
    [
      "--address", socket, "--namespace", NAMESPACE, "run", "--rm", "--net-host", "--read-only",
      "--mount", `type=bind,src=${token},dst=/var/run/appliance-status/token,options=rbind:ro`,
      "--mount", `type=bind,src=${kube},dst=/var/run/kube,options=rbind:ro`,
      "--mount", "type=tmpfs,src=tmpfs,dst=/tmp,options=nosuid:nodev:noexec",
      "--env", "KUBECONFIG=/var/run/kube/config",
      image, containerId,
      // no arguments: the image's default command
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  task.stdout!.on("data", (chunk) => (taskOutput += chunk));
  task.stderr!.on("data", (chunk) => (taskOutput += chunk));
  await until("GET /healthz answering", async () => {
    const response = await fetch(`http://127.0.0.1:${PORT}/healthz`);
    if (!response.ok) throw new Error(`status ${response.status}`);
  });
}, 300_000);

afterAll(async () => {
  if (task && task.exitCode === null) {
    await ctr("tasks", "kill", "--signal", "SIGKILL", containerId).catch(() => undefined);
    await new Promise((resolve) => (task!.exitCode !== null ? resolve(undefined) : task!.once("exit", resolve)));
  }
  await ctr("containers", "rm", containerId).catch(() => undefined);
  if (containerd && containerd.exitCode === null) {
    containerd.kill("SIGTERM");
    await new Promise((resolve) => containerd!.once("exit", resolve));
  }
  await apiServer?.close();
  await registry?.stop();
}, 120_000);

describe("the status image under containerd and runc", () => {
  it("answers /healthz and the token-guarded /api/status from its default command", async () => {
    expect(taskOutput).toMatch(/appliance status on http:\/\/0\.0\.0\.0:8090 \(reading the live cluster \(http:\/\/127\.0\.0\.1:\d+\) every 15 s\)/);
    expect(await (await fetch(`http://127.0.0.1:${PORT}/healthz`)).text()).toBe("ok\n");
    expect((await fetch(`http://127.0.0.1:${PORT}/api/status`)).status).toBe(401);
    const status = await until("a first status document", async () => {
      const response = await fetch(`http://127.0.0.1:${PORT}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      return (await response.json()) as { topBlockers: unknown };
    });
    const validate = statusSchemaValidator();
    expect(validate(status), JSON.stringify(validate.errors)).toBe(true);
    // It reached the API stand-in over the host network, and reports the refusals as the blocker.
    expect(JSON.stringify(status.topBlockers)).toMatch(/forbidden|Forbidden|403/);
  });

  it("runs as 65532 without a shell, on a read-only root filesystem", async () => {
    const { stdout } = await ctr("tasks", "ls");
    const pid = new RegExp(`^${containerId}\\s+(\\d+)\\s+RUNNING`, "m").exec(stdout)?.[1];
    expect(pid, stdout).toBeDefined();
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe("65532");
    expect(/^Gid:\s+(\d+)/m.exec(status)?.[1]).toBe("65532");
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean)).toEqual([
      "/nodejs/bin/node", "/app/status-service.cjs", "--port", "8090", "--host", "0.0.0.0", "--token-file", "/var/run/appliance-status/token/token", "--interval", "15",
    ]);
    const rootMount = readFileSync(`/proc/${pid}/mountinfo`, "utf8").split("\n").find((line) => line.split(" ")[4] === "/");
    expect(rootMount?.split(" ")[5]?.split(",")).toContain("ro");
  });
});
