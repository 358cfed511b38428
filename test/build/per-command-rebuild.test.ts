import { execFile } from "node:child_process";
import { appendFileSync, cpSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { builtCommand } from "../support/built-commands.js";
import { copyCheckout } from "../support/checkout-copy.js";
import { PROJECT_ROOT } from "../support/run-cli.js";

const run = promisify(execFile);

function command(checkout: string, name: string, ...args: string[]) {
  return run(process.execPath, [join(checkout, "bin", "command.cjs"), name, ...args], { cwd: checkout });
}

function stampText(checkout: string, name: string): string {
  return readFileSync(join(checkout, "build", "stamps", `${name}.json`), "utf8");
}

function recordedInput(checkout: string, name: string, path: string): [number, number, string] {
  return (JSON.parse(stampText(checkout, name)) as { inputs: Record<string, [number, number, string]> }).inputs[path]!;
}

/** A copy of the checkout with the checkout's build/ (the global setup brought it up to date): every file has a new mtime, same bytes. */
function checkoutWithBuild(): string {
  const checkout = copyCheckout();
  cpSync(join(PROJECT_ROOT, "build"), join(checkout, "build"), { recursive: true });
  return checkout;
}

/** A project file one command's bundle holds and the others' do not. */
function onlyIn(checkout: string, holder: string, ...other: string[]): string {
  const others = new Set(other.flatMap((name) => builtCommand(checkout, name).bundled));
  const file = builtCommand(checkout, holder).bundled.find((path) => path.startsWith("src/") && !others.has(path));
  expect(file, `a source only ${holder} is built from`).toBeDefined();
  return file!;
}

describe("a stale command rebuilds what it needs, and only that", () => {
  it("takes a source whose mtime moved but whose bytes did not for unchanged, and records its new mtime", async () => {
    const checkout = checkoutWithBuild();
    // Every source in the copy has a new mtime: the launcher hashes pull's inputs, finds them the same, runs.
    const first = await command(checkout, "pull", "--help");
    expect(first.stdout).toContain("Usage: npm run pull");
    expect(first.stderr).not.toMatch(/rebuilt/);
    const errors = join(checkout, "src", "errors.ts");
    expect(recordedInput(checkout, "pull", "src/errors.ts")[0]).toBe(statSync(errors).mtimeMs);

    // An editor's save of the same bytes, later.
    const later = new Date(Date.now() + 60_000);
    utimesSync(errors, later, later);
    const touched = await command(checkout, "pull", "--help");
    expect(touched.stderr).not.toMatch(/rebuilt/);
    expect(recordedInput(checkout, "pull", "src/errors.ts")[0]).toBe(statSync(errors).mtimeMs);
  }, 120_000);

  it("rebuilds only the command whose source changed, and the bundle a publish reads at run time", async () => {
    const checkout = checkoutWithBuild();
    const synthStamp = stampText(checkout, "synth");
    // Not in publish either: publish runs next and must find only the status service stale.
    const pullFile = onlyIn(checkout, "pull", "synth", "publish");
    appendFileSync(join(checkout, pullFile), "\n// edited\n");
    const pull = await command(checkout, "pull", "--help");
    expect(pull.stderr).toContain(`rebuilt pull in build/ (${pullFile} changed since the last build`);
    expect(recordedInput(checkout, "pull", pullFile)[1]).toBe(statSync(join(checkout, pullFile)).size);
    // synth was not built from that file and was not rebuilt.
    expect(stampText(checkout, "synth")).toBe(synthStamp);

    // A source of the status service only: publish builds the status image from that bundle, so
    // running publish rebuilds the status service, not publish.
    const serviceFile = onlyIn(checkout, "status-service", "publish");
    const publishDir = builtCommand(checkout, "publish").dir;
    appendFileSync(join(checkout, serviceFile), "\n// edited\n");
    const publish = await command(checkout, "publish", "--help");
    expect(publish.stderr).toContain(`rebuilt status-service in build/ (${serviceFile} changed since the last build`);
    // Only the status service was rebuilt ("rebuilt status-service in", not "rebuilt publish, status-service in").
    expect(builtCommand(checkout, "publish").dir).toBe(publishDir);
    expect(recordedInput(checkout, "status-service", serviceFile)[1]).toBe(statSync(join(checkout, serviceFile)).size);
    // Nothing left stale for either.
    const again = await command(checkout, "publish", "--help");
    expect(again.stderr).not.toMatch(/rebuilt/);
  }, 300_000);

  it("builds a command never built before together with the bundle it reads at run time", async () => {
    const checkout = checkoutWithBuild();
    rmSync(join(checkout, "build", "stamps", "publish.json"));
    rmSync(join(checkout, "build", "stamps", "status-service.json"));
    const publish = await command(checkout, "publish", "--help");
    expect(publish.stderr).toContain('rebuilt publish, status-service in build/ (build/ has no command "publish" yet');
    expect(builtCommand(checkout, "status-service").bundled).toContain("src/cli/status-service.ts");
  }, 300_000);

  it("stays consistent when several processes rebuild at once", async () => {
    const checkout = checkoutWithBuild();
    // A source both commands are built from: each process finds its command stale and rebuilds it.
    appendFileSync(join(checkout, "src", "errors.ts"), "\n// edited\n");
    const runs = await Promise.all([
      command(checkout, "pull", "--help"),
      command(checkout, "pull", "--help"),
      command(checkout, "publish", "--help"),
      command(checkout, "publish", "--help"),
    ]);
    for (const [index, result] of runs.entries()) expect(result.stdout, `run ${index}`).toContain(index < 2 ? "Usage: npm run pull" : "Usage: npm run publish");
    // Each stamp names a complete bundle built from the edited source, and nothing is stale any more.
    for (const name of ["pull", "publish"]) {
      const built = builtCommand(checkout, name);
      expect(statSync(built.file).size).toBeGreaterThan(10_000);
      expect(recordedInput(checkout, name, "src/errors.ts")[1]).toBe(statSync(join(checkout, "src", "errors.ts")).size);
      const after = await command(checkout, name, "--help");
      expect(after.stderr).not.toMatch(/rebuilt/);
    }
  }, 300_000);
});
