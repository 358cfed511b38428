import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const run = promisify(execFile);
const PROJECT = "alga-appliance-vendor";

/** The engine hands a program its config as JSON in PULUMI_CONFIG, structured values as JSON strings. */
function pulumiConfig(overrides: Record<string, unknown> = {}): string {
  const config = { ...parse(readFileSync("Pulumi.example-in-cluster.yaml", "utf8")).config, ...overrides };
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) if (value !== undefined) flat[key] = typeof value === "string" ? value : JSON.stringify(value);
  for (const key of ["databasePassword", "signingKey", "objectStoreAdminUser", "objectStoreAdminPassword"]) flat[`${PROJECT}:${key}`] = "x";
  return JSON.stringify(flat);
}

function runLikePulumi(config: string) {
  return run(process.execPath, ["test/infra/fixtures/run-like-pulumi.mjs"], { env: { ...process.env, PULUMI_CONFIG: config }, timeout: 120_000 });
}

describe("what `pulumi up` runs", () => {
  it("Pulumi.yaml is a nodejs project whose entry point is package.json main, loaded by ts-node's ESM hooks", async () => {
    const project = parse(readFileSync("Pulumi.yaml", "utf8"));
    expect(project).toMatchObject({ name: PROJECT, runtime: { name: "nodejs" } });
    // A file `main` in Pulumi.yaml would make the CLI run from src/infra/, where ts-node finds no tsconfig.json.
    expect(project.main).toBeUndefined();
    const { stdout } = await runLikePulumi(pulumiConfig());
    expect(JSON.parse(stdout)).toEqual({
      main: "src/infra/index.ts",
      outputs: {
        applianceIsoKey: "appliance/current/alga-appliance.iso",
        bucket: "alga-appliance-downloads",
        licenseServiceUrl: "https://license.nineminds.com",
        isoPublisherAccessKey: "[secret]",
        isoPublisherSecretKey: "[secret]",
      },
    });
  });

  it("a bad stack config fails the program with the key and the fix", async () => {
    const error = await runLikePulumi(pulumiConfig({ [`${PROJECT}:objectStore`]: { mode: "external-static" } })).then(
      () => undefined,
      (failure: { code: number; stderr: string }) => failure,
    );
    expect(error?.code).not.toBe(0);
    expect(error?.stderr).toContain("alga-appliance-vendor:objectStoreAccessKey: is not set (OBJECT_STORE_ACCESS_KEY); fix: pulumi config set --secret objectStoreAccessKey");
  });
});
