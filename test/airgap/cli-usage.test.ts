import { describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";

describe("npm run airgap: usage", () => {
  it("has --help for itself and each subcommand, exits 2 on bad usage and 1 on a missing archive, naming it", async () => {
    const help = await runCli("airgap", ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("npm run airgap -- export");
    expect(help.stdout).toContain("npm run airgap -- import");
    expect((await runCli("airgap", ["import", "--help"])).stdout).toContain("--verify-key FILE");
    const unknown = await runCli("airgap", ["bogus"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown subcommand "bogus"');
    const noRelease = await runCli("airgap", ["export", "--out", "x.tar", "--registry", "127.0.0.1:1/ns"]);
    expect(noRelease.code).toBe(2);
    expect(noRelease.stderr).toContain("--release is required");
    const badPlatform = await runCli("airgap", ["export", "--release", "1.0.0", "--out", "x.tar", "--registry", "127.0.0.1:1/ns", "--platform", "amd64"]);
    expect(badPlatform.code).toBe(2);
    expect(badPlatform.stderr).toContain('--platform "amd64": write os/architecture');
    const missing = await runCli("airgap", ["import", "--file", "/nonexistent/release.tar", "--registry", "127.0.0.1:1/ns", "--plain-http", "--json"]);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error).toContain("/nonexistent/release.tar: no such archive file");
  }, 120_000);
});
