// Runs one command from build/, rebuilding first when any source is newer than the build, so a
// command never runs code older than the checkout.  package.json: "<name>": "node bin/command.mjs <name>"
// runs src/cli/<name>.ts.
import module from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { COMPILE_CACHE_DIR, buildIsStale, projectRoot, readStamp } from "./build-stamp.mjs";

const name = process.argv[2];
if (!name || name.startsWith("-")) {
  process.stderr.write("usage: node bin/command.mjs <command> [flags]  (the commands are the package.json scripts)\n");
  process.exit(2);
}
// The command sees its own flags only, as if it had been started directly.
process.argv.splice(2, 1);

const root = projectRoot();
const stale = buildIsStale(root, name);
if (stale) {
  const { build, commandNames } = await import("./build.mjs");
  if (!commandNames(root).includes(name)) {
    process.stderr.write(`error: "${name}" is not a command: package.json has no script "node bin/command.mjs ${name}"\n`);
    process.exit(2);
  }
  try {
    const { ms } = await build(root);
    process.stderr.write(`rebuilt build/ (${stale}; ${Math.round(ms)} ms)\n`);
  } catch (error) {
    process.stderr.write(`error: ${stale} and it could not be rebuilt: ${error.message}\n`);
    process.exit(1);
  }
}
// Node 22+ keeps V8's compiled code between runs (no such API on Node 20: there this is a no-op).
module.enableCompileCache?.(join(root, "build", COMPILE_CACHE_DIR));
await import(pathToFileURL(join(root, "build", readStamp(root).dir, `${name}.mjs`)).href);
