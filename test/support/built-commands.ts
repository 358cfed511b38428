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
}

export function builtCommand(root: string, command: string): BuiltCommand {
  const stamp = JSON.parse(readFileSync(join(root, "build", "stamps", `${command}.json`), "utf8")) as { dir: string; bundled: string[] };
  return { command, dir: stamp.dir, file: join(root, "build", stamp.dir, `${command}.cjs`), bundled: stamp.bundled };
}

/** Every command build/ has a stamp for. */
export function builtCommands(root: string): BuiltCommand[] {
  return readdirSync(join(root, "build", "stamps"))
    .filter((entry) => entry.endsWith(".json"))
    .sort()
    .map((entry) => builtCommand(root, entry.slice(0, -".json".length)));
}
