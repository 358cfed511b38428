/**
 * A real containerd (Debian's, with runc) for tests: run as root with its own config, root, state
 * and socket under a temporary directory, the native snapshotter (works on any file system), and
 * the CRI plugin on, so images can be asked for as the kubelet asks.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const run = promisify(execFile);

export interface RunningContainerd {
  readonly socket: string;
  ctr(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** CRI ImageService.ImageStatus for `image`: the image's id (config digest) and names, or undefined. */
  imageStatus(image: string): Promise<{ id: string; repoTags: string[]; repoDigests: string[] } | undefined>;
  stop(): Promise<void>;
}

/** Why containerd cannot run here, or undefined when it can. */
export function containerdUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "containerd needs root";
  for (const binary of ["/usr/bin/containerd", "/usr/bin/ctr", "/usr/sbin/runc"]) if (!existsSync(binary)) return `${binary} is not installed`;
  return undefined;
}

export async function startContainerd(): Promise<RunningContainerd> {
  // Short: a unix socket path must fit in 108 bytes.
  const dir = mkdtempSync(join(tmpdir(), "ctrd-"));
  const socket = join(dir, "c.sock");
  for (const sub of ["root", "state", "cni/bin", "cni/conf"]) mkdirSync(join(dir, sub), { recursive: true });
  const config = join(dir, "config.toml");
  writeFileSync(
    config,
    [
      "version = 2",
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]',
      "[grpc]",
      `  address = "${socket}"`,
      "[ttrpc]",
      `  address = "${socket}.ttrpc"`,
      '[plugins."io.containerd.grpc.v1.cri".containerd]',
      '  snapshotter = "native"',
      '[plugins."io.containerd.grpc.v1.cri".cni]',
      `  bin_dir = "${dir}/cni/bin"`,
      `  conf_dir = "${dir}/cni/conf"`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn("/usr/bin/containerd", ["--config", config], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  });
  const ctr = (...args: string[]) => run("/usr/bin/ctr", ["--address", socket, ...args], { maxBuffer: 64 * 1024 * 1024 });
  // Ready when it answers, not after a fixed wait: polled, with a generous bound for a loaded machine.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`containerd exited: ${log}`);
    try {
      await ctr("version");
      break;
    } catch (error) {
      if (attempt > 600) throw new Error(`containerd did not answer: ${(error as Error).message}\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const definition = protoLoader.loadSync(join(import.meta.dirname, "cri-image.proto"), { keepCase: false, longs: String, defaults: true });
  const loaded = grpc.loadPackageDefinition(definition) as any;
  const images = new loaded.runtime.v1.ImageService(`unix://${socket}`, grpc.credentials.createInsecure());
  return {
    socket,
    ctr,
    imageStatus: (image) =>
      new Promise((resolve, reject) => {
        images.ImageStatus({ image: { image }, verbose: false }, (error: Error | null, response: any) => {
          if (error) return reject(error);
          const found = response.image;
          resolve(found && found.id ? { id: found.id, repoTags: found.repoTags, repoDigests: found.repoDigests } : undefined);
        });
      }),
    stop: async () => {
      images.close();
      child.kill("SIGTERM");
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)));
      // Snapshots of the native snapshotter are plain directories; containerd has unmounted everything.
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
