/** Writes small source trees to disk with controllable creation order, umask, modes and timestamps. */
import { chmod, mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";

export interface TreeFile {
  readonly path: string;
  readonly content: string;
  readonly executable?: boolean;
}

export interface WriteTreeOptions {
  /** process.umask while creating files and directories. */
  readonly umask?: number;
  /** Create files last-to-first instead of first-to-last. */
  readonly reverse?: boolean;
  /** Seconds since the epoch for every file's atime/mtime. */
  readonly mtime?: number;
  /** Explicit modes: [regular, executable]. */
  readonly modes?: readonly [number, number];
  readonly emptyDirectories?: readonly string[];
}

export const SAMPLE_TREE: readonly TreeFile[] = [
  { path: "kustomization.yaml", content: "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - apps/deployment.yaml\n" },
  { path: "apps/deployment.yaml", content: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: alga\n" },
  { path: "apps/nested/config-map.yaml", content: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  greeting: \"grüße\"\n" },
  { path: "scripts/hook.sh", content: "#!/bin/sh\necho ok\n", executable: true },
  { path: "a-b.yaml", content: "x: 1\n" },
  { path: "a.yaml", content: "y: 2\n" },
];

const scratchDirs: string[] = [];

afterEach(async () => {
  for (const dir of scratchDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A temporary directory removed after the current test. */
export async function scratch(prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  scratchDirs.push(dir);
  return dir;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function writeTree(root: string, files: readonly TreeFile[], options: WriteTreeOptions = {}): Promise<void> {
  const ordered = options.reverse ? [...files].reverse() : [...files];
  const previous = options.umask === undefined ? undefined : process.umask(options.umask);
  try {
    for (const directory of options.emptyDirectories ?? []) await mkdir(join(root, directory), { recursive: true });
    for (const file of ordered) {
      const target = join(root, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
      if (options.modes !== undefined) await chmod(target, file.executable ? options.modes[1] : options.modes[0]);
      else if (file.executable) await chmod(target, 0o755);
      if (options.mtime !== undefined) await utimes(target, options.mtime, options.mtime);
    }
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
}
