import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";

export const PROJECT_ROOT = join(import.meta.dirname, "..", "..");

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command of src/cli/ as its own process, exactly as `npm run <command>` does: the built
 * JavaScript through bin/command.cjs (which rebuilds first if a source changed).
 */
export function runCli(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; shellPrefix?: string } = {}): Promise<CliResult> {
  // An absolute path, so the command also runs from other directories.
  const argv = [join(PROJECT_ROOT, "bin", "command.cjs"), command, ...args];
  const child = options.shellPrefix
    ? spawn("sh", ["-c", `${options.shellPrefix} exec "$0" "$@"`, process.execPath, ...argv], { cwd: options.cwd ?? PROJECT_ROOT, env: { ...process.env, ...options.env } })
    : spawn(process.execPath, argv, { cwd: options.cwd ?? PROJECT_ROOT, env: { ...process.env, ...options.env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Starts a command of src/cli/ as its own process and hands back the child, for tests that signal it. */
export function spawnCli(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { child: ChildProcessWithoutNullStreams; done: Promise<CliResult & { signal: NodeJS.Signals | null }> } {
  // The launcher runs the built command in its own process, so a signal sent to the child reaches the command.
  const argv = [join(PROJECT_ROOT, "bin", "command.cjs"), command, ...args];
  const child = spawn(process.execPath, argv, { cwd: options.cwd ?? PROJECT_ROOT, env: { ...process.env, ...options.env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return { child, done };
}
