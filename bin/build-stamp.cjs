// What decides whether a command's build is current: shared by the builder and the command launcher,
// and kept free of esbuild so that checking costs a few file stats, not a build.
//
// Each command has its own stamp, build/stamps/<name>.json: the content-named directory holding its
// bundle, what the bundle holds, every project file the build read (with size, mtime and SHA-256),
// and the other commands' bundles it reads at run time. One file per command, replaced by rename, so
// parallel builds of different commands never overwrite each other's record.

// CommonJS, as the launcher is: it loads this file before every command, and an ES module would
// start Node's ESM loader first (~8 ms). node:crypto only when a source has to be hashed.
"use strict";
const { existsSync, readFileSync, renameSync, statSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");

/** build/stamps/: one stamp per built command. */
const STAMP_DIR = "stamps";

/** A package.json script that runs a built command: `node bin/command.cjs <name>`. */
const COMMAND_SCRIPT = /^node bin\/command\.cjs ([a-z][a-z0-9-]*)$/;

/** The checkout: the directory above bin/. */
function projectRoot() {
  return dirname(__dirname);
}

function stampFile(root, command) {
  return join(root, "build", STAMP_DIR, `${command}.json`);
}

/** build/stamps/<command>.json, or undefined when the command was never built (or the stamp is unreadable). */
function readStamp(root, command) {
  try {
    return JSON.parse(readFileSync(stampFile(root, command), "utf8"));
  } catch {
    return undefined;
  }
}

/** Writes a stamp whole or not at all (a temporary file renamed over it): a killed build leaves the old one. */
function writeStamp(root, command, stamp) {
  const file = stampFile(root, command);
  const temp = `${file}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(temp, `${JSON.stringify(stamp, null, 1)}\n`);
  renameSync(temp, file);
}

/** The SHA-256 of a file's bytes, hex. */
function fileSha256(path) {
  return require("node:crypto").createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * Why one command's own build cannot be trusted, or undefined when it is current. An input whose size
 * and mtime are as recorded is unchanged (a stat, no read). One whose mtime moved but whose size did
 * not is hashed: the same bytes (an editor's save, a checkout of the same content) are not a change,
 * and its new mtime is written into the stamp (`refreshed`) so the next run is back to a stat.
 */
function ownStaleness(root, command, stamp) {
  if (!stamp) return { reason: `build/ has no command "${command}" yet` };
  if (!existsSync(join(root, "build", stamp.dir, `${command}.cjs`))) return { reason: `build/${stamp.dir}/${command}.cjs is missing` };
  let refreshed = false;
  for (const [path, recorded] of Object.entries(stamp.inputs)) {
    const changed = { reason: `${path} changed since the last build` };
    if (!recorded) return changed;
    const [mtimeMs, size, sha256] = recorded;
    // The builder records project-relative paths with "/" (esbuild's metafile keys), so they are
    // joined as strings; path.join's normalizing of ~170 paths cost ~2.5 ms of every command's start.
    const file = `${root}/${path}`;
    const stats = statSync(file, { throwIfNoEntry: false });
    if (!stats || stats.size !== size) return changed;
    if (stats.mtimeMs === mtimeMs) continue;
    if (fileSha256(file) !== sha256) return changed;
    recorded[0] = stats.mtimeMs;
    refreshed = true;
  }
  if (refreshed) {
    try {
      writeStamp(root, command, stamp);
    } catch {
      // Only saves the next run a hash.
    }
  }
  return undefined;
}

/**
 * The commands to rebuild before `command` runs, each with why, or an empty list when build/ is
 * current for it: the command itself when one of its sources changed, and every bundle it reads at
 * run time (a stamp's `reads`, e.g. publish builds the status image from the status-service bundle)
 * that is stale in turn. `stamps`: stamps already read, by command (filled in as a cache).
 */
function staleCommands(root, command, stamps = new Map()) {
  const stale = [];
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    if (!stamps.has(name)) stamps.set(name, readStamp(root, name));
    const stamp = stamps.get(name);
    const own = ownStaleness(root, name, stamp);
    if (own) stale.push({ command: name, reason: own.reason });
    for (const needed of stamp?.reads ?? []) visit(needed);
  };
  visit(command);
  return stale;
}

module.exports = { COMMAND_SCRIPT, STAMP_DIR, fileSha256, projectRoot, readStamp, staleCommands, writeStamp };
