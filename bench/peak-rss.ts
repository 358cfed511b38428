import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Peak resident set size of a node process, in MB: a preloaded module records
 * `process.resourceUsage().maxRSS` when the process exits (Node has no rusage for children).
 */
export function peakRssMb(args: readonly string[], cwd: string): number {
  const dir = mkdtempSync(join(tmpdir(), "ark-bench-rss-"));
  try {
    const report = join(dir, "max-rss");
    const preload = join(dir, "record-max-rss.mjs");
    writeFileSync(
      preload,
      `import { writeFileSync } from "node:fs";\nprocess.on("exit", () => writeFileSync(${JSON.stringify(report)}, String(process.resourceUsage().maxRSS)));\n`,
    );
    const result = spawnSync(process.execPath, ["--import", pathToFileURL(preload).href, ...args], { cwd, stdio: ["ignore", "ignore", "pipe"] });
    if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr.toString()}`);
    return Number(readFileSync(report, "utf8")) / 1024;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
