import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One command as build/ holds it (bin/build-stamp.cjs: build/stamps/<name>.json). */
export interface BuiltCommand {
  readonly command: string;
  /** The bundle: build/<dir>/<command>.cjs. */
  readonly file: string;
  /** esbuild's inputs of the bundle (project files and node_modules paths). */
  readonly bundled: readonly string[];
  readonly dir: string;
  /** What the build recorded: the bundle is ASCII, so the launcher reads it as Latin-1. */
  readonly ascii?: boolean;
}

export function builtCommand(root: string, command: string): BuiltCommand {
  const stamp = JSON.parse(readFileSync(join(root, "build", "stamps", `${command}.json`), "utf8")) as { dir: string; bundled: string[]; ascii?: boolean };
  return { command, dir: stamp.dir, file: join(root, "build", stamp.dir, `${command}.cjs`), bundled: stamp.bundled, ...(stamp.ascii !== undefined ? { ascii: stamp.ascii } : {}) };
}

/** Every command build/ has a stamp for. */
export function builtCommands(root: string): BuiltCommand[] {
  return readdirSync(join(root, "build", "stamps"))
    .filter((entry) => entry.endsWith(".json"))
    .sort()
    .map((entry) => builtCommand(root, entry.slice(0, -".json".length)));
}
