import { execFileSync } from "node:child_process";
import { join } from "node:path";

/**
 * vitest globalSetup: the tests that start commands run build/ (as npm run does), so it is brought up
 * to date once, before any test file, instead of by the first few command processes at once.
 */
export default function buildCommands(): void {
  const root = join(import.meta.dirname, "..", "..");
  execFileSync(process.execPath, [join(root, "bin", "build.mjs"), "--if-stale"], { cwd: root, stdio: "inherit" });
}
