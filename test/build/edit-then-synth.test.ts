import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/run-cli.js";
import { copyCheckout } from "../support/checkout-copy.js";

const run = promisify(execFile);

async function npmSynth(checkout: string, out: string) {
  return run("npm", ["run", "-s", "synth", "--", "--release", "1.0-rc5", "--out", out], { cwd: checkout });
}

describe("npm run synth never runs code older than the sources", () => {
  it("builds on first use, then renders an edit to a construct on the next run", async () => {
    const checkout = copyCheckout();
    const first = await npmSynth(checkout, "out-1");
    expect(first.stderr).toMatch(/rebuilt synth in build\/ \(build\/ has no command "synth" yet/);
    const namespaces = join(checkout, "out-1", "1.0-rc5", "config", "namespaces.yaml");
    expect(readFileSync(namespaces, "utf8")).toContain("app.kubernetes.io/managed-by: appliance-release-kit");

    // Unchanged sources: the build is reused, not redone.
    const again = await npmSynth(checkout, "out-2");
    expect(again.stderr).not.toMatch(/rebuilt/);

    const labels = join(checkout, "constructs", "labels.ts");
    const source = readFileSync(labels, "utf8");
    const edit = source.replace('"app.kubernetes.io/managed-by": KIT_NAME', '"app.kubernetes.io/managed-by": "edited-kit"');
    expect(edit).not.toBe(source);
    writeFileSync(labels, edit);
    const edited = await npmSynth(checkout, "out-3");
    expect(edited.stderr).toMatch(/rebuilt synth in build\/ \(constructs\/labels\.ts changed since the last build/);
    const rendered = readFileSync(join(checkout, "out-3", "1.0-rc5", "config", "namespaces.yaml"), "utf8");
    expect(rendered).toContain("app.kubernetes.io/managed-by: edited-kit");
    expect(rendered).not.toContain("appliance-release-kit\n");
    // Two whole builds and three synths: minutes on a loaded machine. A deadline, not a measurement.
  }, 300_000);

  it("refuses a name that is not a command, naming the fix", async () => {
    const error = await run(process.execPath, [join(PROJECT_ROOT, "bin", "command.cjs"), "no-such-command"], { cwd: PROJECT_ROOT }).catch((failure: { code: number; stderr: string }) => failure);
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr).toContain('package.json has no script "node bin/command.cjs no-such-command"');
  });
});
