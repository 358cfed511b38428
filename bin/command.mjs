// Runs one command from build/, rebuilding first what is stale (the command, and the bundles it reads
// at run time) when a source changed, so a command never runs code older than the checkout.
// package.json: "<name>": "node bin/command.mjs <name>" runs src/cli/<name>.ts.
import { projectRoot, staleCommands } from "./build-stamp.mjs";

// Built-ins taken as CommonJS modules: an ES `import` of each would build its ESM facade first
// (~10 ms of every command's start on the 2-core machine).
const { readFileSync, renameSync, writeFileSync } = process.getBuiltinModule("node:fs");
const Module = process.getBuiltinModule("node:module");
const { dirname, join } = process.getBuiltinModule("node:path");
const vm = process.getBuiltinModule("node:vm");

const name = process.argv[2];
if (!name || name.startsWith("-")) {
  process.stderr.write("usage: node bin/command.mjs <command> [flags]  (the commands are the package.json scripts)\n");
  process.exit(2);
}
// The command sees its own flags only, as if it had been started directly.
process.argv.splice(2, 1);

const root = projectRoot();
// The stamps read while checking (only this command's and those of the bundles it reads at run time).
const stamps = new Map();
const stale = staleCommands(root, name, stamps);
if (stale.length > 0) {
  const { build, commandNames } = await import("./build.mjs");
  if (!commandNames(root).includes(name)) {
    process.stderr.write(`error: "${name}" is not a command: package.json has no script "node bin/command.mjs ${name}"\n`);
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
const stamp = stamps.get(name);
runWithCodeCache(join(root, "build", stamp.dir, `${name}.cjs`));

/**
 * Runs a CommonJS bundle the way Node's loader would, but compiled with V8's code cache: the first
 * run of a build saves the compiled code beside the bundle (<name>.cjs.<node version>.cache, written at
 * exit so it holds what the run compiled); later runs skip most parsing and compiling. The cache is
 * V8's format for one Node binary, hence one per Node version (CI runs the suite on several); a cache
 * V8 still rejects (other flags) is replaced.
 */
function runWithCodeCache(file) {
  const cacheFile = `${file}.${process.version}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, "utf8")), {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (!cachedData || script.cachedDataRejected) {
    process.once("exit", () => {
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
