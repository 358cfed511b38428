// What decides whether build/ is current: shared by the builder and the command launcher, and kept
// free of esbuild so that checking costs a few file stats, not a build.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** build/stamp.json: the current output directory, the commands in it, and every source it was built from. */
export const STAMP_FILE = "stamp.json";

/** A package.json script that runs a built command: `node bin/command.mjs <name>`. */
export const COMMAND_SCRIPT = /^node bin\/command\.mjs ([a-z][a-z0-9-]*)$/;

/** The checkout: the directory above bin/. */
export function projectRoot() {
  return dirname(dirname(fileURLToPath(import.meta.url)));
}

export function readStamp(root) {
  try {
    return JSON.parse(readFileSync(join(root, "build", STAMP_FILE), "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Why build/ cannot be trusted, or undefined when it is current: every source the last build read
 * still has the size and mtime it had then (an edit, a checkout, a deleted file or `npm ci` changes them).
 * `stamp`: build/stamp.json as the caller already read it (the launcher reads it once).
 */
export function buildIsStale(root, command, stamp = readStamp(root)) {
  if (!stamp) return "build/ has not been built yet";
  if (command !== undefined && !stamp.commands.includes(command)) return `build/ has no command "${command}" yet`;
  if (!existsSync(join(root, "build", stamp.dir))) return `build/${stamp.dir} is missing`;
  for (const [path, recorded] of Object.entries(stamp.inputs)) {
    const stats = statSync(join(root, path), { throwIfNoEntry: false });
    if (!recorded || !stats || stats.mtimeMs !== recorded[0] || stats.size !== recorded[1]) return `${path} changed since the last build`;
  }
  return undefined;
}
