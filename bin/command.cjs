// Runs one command from build/, rebuilding first what is stale (the command, and the bundles it reads
// at run time) when a source changed, so a command never runs code older than the checkout.
// package.json: "<name>": "node bin/command.cjs <name>" runs src/cli/<name>.ts.
//
// CommonJS, and so is everything it loads before the command: an ES module entry starts Node's ESM
// loader first, ~8 ms of every command's start on the 2-core machine.
"use strict";
const { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { dirname, join } = require("node:path");
const vm = require("node:vm");
const { projectRoot, staleCommands } = require("./build-stamp.cjs");
const { v8FlagsFor } = require("./v8-flags.cjs");

/** Set by src/cli/run.ts when the command reported its outcome (see runWithCodeCache). */
const COMMAND_REPORTED = Symbol.for("appliance-release-kit.command-reported");

const name = process.argv[2];
if (!name || name.startsWith("-")) {
  process.stderr.write("usage: node bin/command.cjs <command> [flags]  (the commands are the package.json scripts)\n");
  process.exit(2);
}
// The command sees its own flags only, as if it had been started directly.
process.argv.splice(2, 1);

main().catch((error) => {
  process.stderr.write(`error: ${error.stack ?? error}\n`);
  process.exit(1);
});

async function main() {
  const root = projectRoot();
  // The stamps read while checking (only this command's and those of the bundles it reads at run time).
  const stamps = new Map();
  const stale = staleCommands(root, name, stamps);
  if (stale.length > 0) {
    const { build, commandNames } = await import("./build.mjs");
    if (!commandNames(root).includes(name)) {
      process.stderr.write(`error: "${name}" is not a command: package.json has no script "node bin/command.cjs ${name}"\n`);
      process.exit(2);
    }
    const reason = stale[0].reason;
    const rebuilt = [];
    let ms = 0;
    try {
      // A command built for the first time says what it reads only once built: asked again, and
      // built what it reads. A command already rebuilt here is not built again (a source edited while
      // it was built is recorded as unknown: the next run rebuilds it).
      for (let names = stale.map((entry) => entry.command); names.length > 0; ) {
        ms += (await build(root, names)).ms;
        rebuilt.push(...names);
        stamps.clear();
        names = staleCommands(root, name, stamps)
          .map((entry) => entry.command)
          .filter((command) => !rebuilt.includes(command));
      }
    } catch (error) {
      process.stderr.write(`error: ${reason} and it could not be rebuilt: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`rebuilt ${rebuilt.join(", ")} in build/ (${reason}; ${Math.round(ms)} ms)\n`);
  }
  const flags = v8FlagsFor(name, process.versions.v8);
  if (flags.length > 0) require("node:v8").setFlagsFromString(flags.join(" "));
  // zod without its JIT: it compiles a parser per object schema with new Function on first use,
  // which pays off over thousands of parses; a command parses a few documents (7 ms of a pull or a
  // publish went there). Set before the bundle creates its schemas: zod reads this object, its
  // global configuration (z.config), when a schema is made. test/build/zod-jitless.test.ts holds
  // zod to that.
  globalThis.__zod_globalConfig = { ...globalThis.__zod_globalConfig, jitless: true };
  // When the command has nothing left to do, exit at once: the 'exit' handlers run, output is
  // written (stdout and stderr are synchronous for files, pipes and terminals), and Node's teardown
  // of the environment and the heap, ~20 ms on the 2-core VM, is skipped.
  process.once("beforeExit", (code) => process.exit(code));
  const stamp = stamps.get(name);
  runWithCodeCache(join(root, "build", stamp.dir, `${name}.cjs`), stamp.ascii === true);
}

/**
 * The bundle inside Node's CommonJS wrapper as one flat string, and its code cache (undefined when
 * there is none yet).
 *
 * esbuild writes ASCII (other characters escaped), which the build recorded in the stamp: the file
 * is read between the wrapper's two halves and the whole taken as Latin-1, a plain copy, where
 * decoding UTF-8 costs ~10 ms and twice the memory for the 2.4 MB synth bundle (and checking it is
 * ASCII again, ~3 ms). Module.wrap(source) would give V8 a concatenation, which it copies into one
 * flat string before compiling: a second copy of the bundle, 575 page faults and ~10 ms for synth.
 * The cache is then read into the same memory, which the string no longer needs: memory touched for
 * the first time costs a page fault each 4 KiB, and synth's 2.3 MB cache read into fresh memory
 * took ~550 more.
 */
function readBundle(file, cacheFile, ascii) {
  if (!ascii) return { source: Module.wrap(readFileSync(file, "utf8")), cachedData: readIfPresent(cacheFile) };
  const [head, tail] = Module.wrapper;
  const bundleFd = openSync(file, "r");
  let cacheFd;
  try {
    try {
      cacheFd = openSync(cacheFile, "r");
    } catch {
      cacheFd = undefined;
    }
    const bundleSize = fstatSync(bundleFd).size;
    const cacheSize = cacheFd === undefined ? 0 : fstatSync(cacheFd).size;
    const wrapped = head.length + bundleSize + tail.length;
    const bytes = Buffer.allocUnsafeSlow(Math.max(wrapped, cacheSize));
    bytes.latin1Write(head, 0);
    readAll(bundleFd, file, bytes, head.length, bundleSize);
    bytes.latin1Write(tail, head.length + bundleSize);
    const source = bytes.latin1Slice(0, wrapped);
    if (cacheFd === undefined) return { source, cachedData: undefined };
    readAll(cacheFd, cacheFile, bytes, 0, cacheSize);
    return { source, cachedData: bytes.subarray(0, cacheSize) };
  } finally {
    closeSync(bundleFd);
    if (cacheFd !== undefined) closeSync(cacheFd);
  }
}

/** `size` bytes of `fd` into `bytes` at `offset`. */
function readAll(fd, file, bytes, offset, size) {
  for (let read = 0; read < size; ) {
    const count = readSync(fd, bytes, offset + read, size - read, null);
    if (count === 0) throw new Error(`${file} is shorter than its size: it changed while read`);
    read += count;
  }
}

function readIfPresent(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Runs a CommonJS bundle the way Node's loader would, but compiled with V8's code cache: a run
 * without a usable cache saves the compiled code beside the bundle (<name>.cjs.<node version>.cache,
 * written at exit so it holds what the run compiled); later runs skip most parsing and compiling.
 * The cache is V8's format for one Node binary, hence one per Node version (CI runs the suite on
 * several); a cache V8 rejects (other flags) is replaced.
 *
 * V8 accepts a cache for good, whatever it holds, and it holds only what its run compiled: a cache
 * saved by a run that stopped at its first step would make every later run compile the rest (synth
 * of the shipped releases with the cache of a run refused for a missing releases directory: 415
 * against 370 ms, on every run until the next build). So a run saves the cache only when it went
 * through the command: it succeeded (exit 0), or it reported its outcome itself (src/cli/run.ts
 * marks it; diff and lock --check exit 1 with their findings so). A run that printed --help,
 * refused its command line (exit 2) or was stopped by an error saves nothing.
 */
function runWithCodeCache(file, ascii) {
  const cacheFile = `${file}.${process.version}.cache`;
  const { source, cachedData } = readBundle(file, cacheFile, ascii);
  const script = new vm.Script(source, {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (!cachedData || script.cachedDataRejected) {
    const helpOnly = process.argv.slice(2).some((arg) => arg === "--help" || arg === "-h");
    process.once("exit", (code) => {
      if (code === 2 || helpOnly || (code !== 0 && globalThis[COMMAND_REPORTED] !== true)) return;
      try {
        const temp = `${cacheFile}.tmp-${process.pid}`;
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, cacheFile);
      } catch {
        // Only a cache: the next run tries again.
      }
    });
  }
  const bundle = new Module(file);
  bundle.filename = file;
  bundle.paths = Module._nodeModulePaths(dirname(file));
  const require = Module.createRequire(file);
  script.runInThisContext().call(bundle.exports, bundle.exports, require, bundle, file, dirname(file));
}
