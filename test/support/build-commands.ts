import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";

const ROOT = join(import.meta.dirname, "..", "..");

/**
 * vitest globalSetup: the tests that start commands run build/ (as npm run does), so it is brought up
 * to date once, before any test file, instead of by the first few command processes at once. Then
 * the Node.js bases the shipped releases' status images are built on (statusService.build
 * .baseDefinition) are assembled into the kit's cache once, so that no test that publishes a shipped
 * release spends its own deadline assembling one (most of a minute of CPU on a fresh machine).
 */
export default async function setup(): Promise<void> {
  execFileSync(process.execPath, [join(ROOT, "bin", "build.mjs"), "--if-stale"], { cwd: ROOT, stdio: "inherit" });
  const { pinnedRuntimeBase } = await import("../../src/distribution/runtime-base.js");
  const releases = join(ROOT, "releases");
  for (const entry of readdirSync(releases).filter((name) => name.endsWith(".yaml") && !name.endsWith(".lock.yaml")).sort()) {
    const build = (parse(readFileSync(join(releases, entry), "utf8")) as { statusService?: { build?: { base?: string; baseDefinition?: string } } }).statusService?.build;
    if (!build?.base || !build.baseDefinition) continue;
    await pinnedRuntimeBase(resolve(releases, build.baseDefinition), { digest: build.base.slice(build.base.indexOf("@") + 1), field: `releases/${entry}: statusService.build.base` }, {
      progress: (message) => process.stderr.write(`${message}\n`),
    });
  }
}
