import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

/**
 * Peak resident set size of a node process, in MB: a preloaded module records
 * `process.resourceUsage().maxRSS` when the process exits (Node has no rusage for children).
 */
export async function peakRssMb(args: readonly string[], cwd: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "ark-bench-rss-"));
  try {
    const report = join(dir, "max-rss");
    const preload = join(dir, "record-max-rss.mjs");
    writeFileSync(
      preload,
      `import { writeFileSync } from "node:fs";\nprocess.on("exit", () => writeFileSync(${JSON.stringify(report)}, String(process.resourceUsage().maxRSS)));\n`,
    );
    // Asynchronous, so a registry child of this process keeps being read from while pull runs.
    await promisify(execFile)(process.execPath, ["--import", pathToFileURL(preload).href, ...args], { cwd });
    return Number(readFileSync(report, "utf8")) / 1024;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
