import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "../../support/run-cli.js";
import { readFileSync } from "node:fs";
import { tempDir } from "../../support/temp-dir.js";
import { fixturePath, statusSchemaValidator } from "./status-fixtures.js";

describe("npm run status", { timeout: 60_000 }, () => {
  it("prints the rollup, the tiers and the top blockers with their next action", async () => {
    const result = await runCli("status", ["--snapshot", fixturePath("missing-tag-background"), "--now", "2026-04-30T12:00:00Z", "--login-url", "http://192.168.64.8:3000"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Ready, with background issues (ready_with_background_issues)");
    expect(result.stdout).toMatch(/\[ready\]\s+Login/);
    expect(result.stdout).toMatch(/\[not ready\] Background/);
    expect(result.stdout).toContain("1. Image tag availability — workflow-worker (login unaffected, needs a fix)");
    expect(result.stdout).toContain("next: Publish ghcr.io/nine-minds/workflow-worker:61e4a00e");
  });

  it("--json prints the canonical status, valid against schemas/status.schema.json", async () => {
    const result = await runCli("status", ["--snapshot", fixturePath("core-image-pulling"), "--now", "2026-04-30T12:00:00Z", "--json", "--site-id", "appliance-single-node"]);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(statusSchemaValidator()(status)).toBe(true);
    expect(status).toMatchObject({ siteId: "appliance-single-node", timestamp: "2026-04-30T12:00:00.000Z", rollup: { state: "installing" } });
    expect(status.activeOperations[0].elapsedSeconds).toBe(720);
  });

  it("reads the release from the pulled release manifest and probe answers from a file", async () => {
    {
      const dir = tempDir("status-cli-");
      const manifest = JSON.parse(readFileSync(`${import.meta.dirname}/../../synth/__snapshots__/1.0.0/release-manifest.json`, "utf8"));
      writeFileSync(`${dir}/release-manifest.json`, JSON.stringify(manifest));
      writeFileSync(`${dir}/probes.json`, JSON.stringify({ login: { ok: true, detail: "HTTP 307" }, seededUsers: 7 }));
      const result = await runCli("status", ["--snapshot", fixturePath("healthy"), "--now", "2026-04-30T12:00:00Z", "--json", "--release-manifest", `${dir}/release-manifest.json`, "--channel", "stable", "--probes", `${dir}/probes.json`]);
      expect(result.code).toBe(0);
      const status = JSON.parse(result.stdout);
      expect(status.release).toEqual({ version: "1.0.0", channel: "stable", bundleDigest: manifest.configBundle.digest, sourceRevision: manifest.source.revision });
      expect(status.tiers.bootstrap.reason).toContain("7 users seeded");
      writeFileSync(`${dir}/probes.json`, JSON.stringify({ seededUsers: "seven" }));
      const bad = await runCli("status", ["--snapshot", fixturePath("healthy"), "--probes", `${dir}/probes.json`]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(`${dir}/probes.json: seededUsers:`);
    }
  });

  it("bad input: usage errors exit 2, a bad snapshot names the file and field, and nothing goes to stdout", async () => {
    const missing = await runCli("status", []);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--snapshot FILE is required");
    {
      const dir = tempDir("status-cli-");
      writeFileSync(`${dir}/snap.json`, JSON.stringify({ kind: "List", items: [{ kind: "Pod", metadata: {} }] }));
      const bad = await runCli("status", ["--snapshot", `${dir}/snap.json`]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(`${dir}/snap.json: items[0].metadata.name: missing on a Pod`);
      expect(bad.stdout).toBe("");
    }
  });
});
