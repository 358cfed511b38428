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

/** The engine also names the secret keys (PULUMI_CONFIG_SECRET_KEYS): here the credentials. */
function runLikePulumi(config: string) {
  const secretKeys = Object.keys(JSON.parse(config)).filter((key) => /:(databasePassword|signingKey|objectStore(Admin(User|Password)|AccessKey|SecretKey))$/.test(key));
  return run(process.execPath, ["test/infra/fixtures/run-like-pulumi.mjs"], {
    env: { ...process.env, PULUMI_CONFIG: config, PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys) },
    timeout: 170_000,
  });
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
        isoReaderAccessKey: "[secret]",
        isoReaderSecretKey: "[secret]",
      },
    });
  }, 180_000);

  it("a stack without a provisioned store has no publisher outputs, and no undefined output the engine would warn about", async () => {
    const flat = JSON.parse(pulumiConfig({ [`${PROJECT}:objectStore`]: { mode: "external-static" } }));
    flat[`${PROJECT}:objectStoreAccessKey`] = "x";
    flat[`${PROJECT}:objectStoreSecretKey`] = "x";
    const { stdout, stderr } = await runLikePulumi(JSON.stringify(flat));
    expect(Object.keys(JSON.parse(stdout).outputs).sort()).toEqual(["applianceIsoKey", "bucket", "licenseServiceUrl"]);
    expect(stderr).not.toContain("undefined value");
  }, 180_000);

  it("a bad stack config fails the program with the key and the fix", async () => {
    const error = await runLikePulumi(pulumiConfig({ [`${PROJECT}:objectStore`]: { mode: "external-static" } })).then(
      () => undefined,
      (failure: { code: number; stderr: string }) => failure,
    );
    expect(error?.code).not.toBe(0);
    expect(error?.stderr).toContain("alga-appliance-vendor:objectStoreAccessKey: is not set (OBJECT_STORE_ACCESS_KEY); fix: pulumi config set --secret objectStoreAccessKey");
  }, 180_000);
});
