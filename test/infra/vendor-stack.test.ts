import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LicenseServiceEnvironment, isSecretVariable, type LicenseServiceVariable } from "../../schemas/license-service.js";

// The Pulumi engine cannot run here; setMocks stands in for it. Everything above the engine
// (config parsing, rendering, resource declarations, secretness) is the real program.
interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
}
const registered: Registered[] = [];
const GENERATED_USER_SECRET = "generated-by-minio";

const PROJECT = "alga-appliance-vendor";
const exampleConfig = parse(readFileSync("Pulumi.example-in-cluster.yaml", "utf8")).config as Record<string, unknown>;

const SECRETS = {
  databasePassword: "db-password-value",
  signingKey: "-----BEGIN PRIVATE KEY-----signing",
  objectStoreAdminUser: "root-user-value",
  objectStoreAdminPassword: "root-password-value",
  objectStoreAccessKey: "static-access-key-value",
  objectStoreSecretKey: "static-secret-key-value",
};

let program: typeof import("../../src/infra/program.js");

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        // Like the MinIO provider, the mock generates the user's secret key.
        const state = args.type === "minio:index/iamUser:IamUser" ? { ...args.inputs, secret: GENERATED_USER_SECRET } : args.inputs;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    "test",
    false,
  );
  program = await import("../../src/infra/program.js");
});

beforeEach(() => {
  registered.length = 0;
});

/** Sets the stack config: structured values as JSON strings, the named secret keys as secrets. */
function setStackConfig(values: Record<string, unknown>, secrets: Partial<typeof SECRETS>): void {
  const all: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) all[key] = typeof value === "string" ? value : JSON.stringify(value);
  for (const [key, value] of Object.entries(secrets)) all[`${PROJECT}:${key}`] = value;
  pulumi.runtime.setAllConfig(all, Object.keys(secrets).map((key) => `${PROJECT}:${key}`));
}

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

async function runStack(values: Record<string, unknown>, secrets: Partial<typeof SECRETS>) {
  setStackConfig(values, secrets);
  const outputs = program.runVendorProgram(new pulumi.Config());
  // Every declaration reaches the (mock) engine before the assertions run.
  await Promise.all(outputs.resources.map((resource) => valueOf(resource.urn)));
  return outputs;
}

/** A value as the engine received it: secrets arrive wrapped in Pulumi's secret signature. */
function sent(value: any): { secret: boolean; value: any } {
  const secret = typeof value === "object" && value !== null && value[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
  return { secret, value: secret ? value.value : value };
}

const byType = (type: string) => registered.filter((resource) => resource.type === type);

describe("vendor stack (in-cluster object store)", () => {
  const secrets = { databasePassword: SECRETS.databasePassword, signingKey: SECRETS.signingKey, objectStoreAdminUser: SECRETS.objectStoreAdminUser, objectStoreAdminPassword: SECRETS.objectStoreAdminPassword };

  it("deploys the license service from the construct's objects, with the full env contract", async () => {
    await runStack(exampleConfig, secrets);
    const deployments = byType("kubernetes:apps/v1:Deployment");
    const license = deployments.find((d) => d.inputs["metadata"].name === "alga-license")!;
    expect(license.inputs["metadata"].namespace).toBe("alga-license");
    const container = license.inputs["spec"].template.spec.containers[0];
    expect(container.image).toBe("ghcr.io/nine-minds/alga-license:2026.06.06");
    const env = new Map<string, any>(container.env.map((entry: any) => [entry.name, entry]));
    expect([...env.keys()].sort()).toEqual(Object.keys(LicenseServiceEnvironment.shape).sort());
    expect(env.get("OBJECT_STORE_ENDPOINT").value).toBe("https://objects.nineminds.com");
    expect(env.get("OBJECT_STORE_BUCKET").value).toBe("alga-appliance-downloads");
    expect(env.get("APPLIANCE_ISO_KEY").value).toBe("appliance/current/alga-appliance.iso");

    // Every credential comes from a Secret the stack itself creates, with that key.
    const created = byType("kubernetes:core/v1:Secret").filter((s) => s.inputs["metadata"].namespace === "alga-license");
    for (const [name, entry] of env) {
      if (!isSecretVariable(name as LicenseServiceVariable)) {
        expect(entry.valueFrom, name).toBeUndefined();
        continue;
      }
      const ref = entry.valueFrom.secretKeyRef;
      const secret = created.find((s) => s.inputs["metadata"].name === ref.name);
      expect(secret, `${name} -> Secret ${ref.name}`).toBeDefined();
      expect(Object.keys(sent(secret!.inputs["stringData"]).value)).toContain(ref.key);
    }
    expect(byType("kubernetes:core/v1:Service").map((s) => s.inputs["metadata"].name)).toContain("alga-license");
    expect(byType("kubernetes:core/v1:Namespace").map((n) => n.inputs["metadata"].name)).toEqual(["alga-license"]);
  });

  it("fills the Secrets from secret config and the minted read-only key", async () => {
    await runStack(exampleConfig, secrets);
    const data = (name: string) => {
      const stringData = sent(registered.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs["metadata"].name === name)!.inputs["stringData"]);
      // What the engine stores in state: encrypted, because it arrived as a secret.
      expect(stringData.secret, `Secret ${name} reaches the engine as a secret`).toBe(true);
      return stringData.value;
    };
    expect(data("alga-license-db")).toEqual({ password: SECRETS.databasePassword });
    expect(data("alga-license-signing")).toEqual({ "private.pem": SECRETS.signingKey });
    expect(data("alga-license-object-store")).toEqual({ "access-key": "alga-license-iso-reader", "secret-key": GENERATED_USER_SECRET });
    expect(data("alga-iso-store-root")).toEqual({ MINIO_ROOT_USER: SECRETS.objectStoreAdminUser, MINIO_ROOT_PASSWORD: SECRETS.objectStoreAdminPassword });
  });

  it("keeps every credential secret in state and outputs", async () => {
    const outputs = await runStack(exampleConfig, secrets);
    const k8sSecrets = outputs.resources.filter((r): r is any => (r as any).__pulumiType === "kubernetes:core/v1:Secret");
    expect(k8sSecrets.length).toBe(4);
    for (const secret of k8sSecrets) expect(await pulumi.isSecret(secret.stringData), await valueOf<string>(secret.metadata.name)).toBe(true);
    const provider = outputs.resources.find((r) => (r as any).__pulumiType === "pulumi:providers:minio") as any;
    expect(await pulumi.isSecret(provider.minioPassword)).toBe(true);
    expect(await pulumi.isSecret(provider.minioUser)).toBe(true);
    // The publisher key is an output, for iso-publish, and only as a secret.
    expect(await pulumi.isSecret(outputs.isoPublisherAccessKey!)).toBe(true);
    expect(await pulumi.isSecret(outputs.isoPublisherSecretKey!)).toBe(true);
    expect(await valueOf(outputs.isoPublisherSecretKey!)).toBe(GENERATED_USER_SECRET);
    // The plain stack outputs carry no credential.
    const shown = JSON.stringify([await valueOf(outputs.licenseServiceUrl), await valueOf(outputs.bucket), outputs.applianceIsoKey]);
    for (const value of [...Object.values(SECRETS), GENERATED_USER_SECRET]) expect(shown).not.toContain(value);
  });

  it("creates the bucket, an expiry rule for old ISOs and a key that may only read under the ISO prefix", async () => {
    const outputs = await runStack(exampleConfig, secrets);
    expect(await valueOf(outputs.bucket)).toBe("alga-appliance-downloads");
    expect(outputs.applianceIsoKey).toBe("appliance/current/alga-appliance.iso");
    expect(await valueOf(outputs.licenseServiceUrl)).toBe("https://license.nineminds.com");
    expect(byType("minio:index/s3Bucket:S3Bucket")[0]!.inputs).toMatchObject({ bucket: "alga-appliance-downloads", acl: "private" });
    const rule = byType("minio:index/ilmPolicy:IlmPolicy")[0]!.inputs["rules"][0];
    // Only versioned ISOs carry the retention tag; the current key never expires.
    expect(rule).toMatchObject({ filter: "appliance/", expiration: "180d", tags: { "alga-iso-retention": "expire" }, status: "Enabled" });
    const policy = JSON.parse(byType("minio:index/iamPolicy:IamPolicy")[0]!.inputs["policy"]);
    expect(policy.Statement).toEqual([{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::alga-appliance-downloads/appliance/*"] }]);
    expect(byType("minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment").map((attachment) => attachment.inputs)).toEqual([
      { userName: "alga-license-iso-reader", policyName: "alga-license-iso-read-only" },
      { userName: "alga-iso-publisher", policyName: "alga-iso-publish" },
    ]);
    const publish = JSON.parse(byType("minio:index/iamPolicy:IamPolicy")[1]!.inputs["policy"]);
    expect(publish.Statement).toHaveLength(1);
    expect(publish.Statement[0].Resource).toEqual(["arn:aws:s3:::alga-appliance-downloads/appliance/*"]);
    expect(publish.Statement[0].Action).not.toContain("s3:DeleteObject");
    const store = byType("kubernetes:apps/v1:Deployment").find((d) => d.inputs["metadata"].name === "alga-iso-store")!;
    expect(store.inputs["spec"].template.spec.containers[0].image).toBe("quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z");
    expect(byType("pulumi:providers:minio")[0]!.inputs).toMatchObject({ minioServer: "objects.nineminds.com:443", minioSsl: "true" });
    const provider = byType("pulumi:providers:minio")[0]!.inputs;
    expect(sent(provider["minioUser"])).toEqual({ secret: true, value: SECRETS.objectStoreAdminUser });
    expect(sent(provider["minioPassword"])).toEqual({ secret: true, value: SECRETS.objectStoreAdminPassword });
  });
});

describe("vendor stack (external-static object store)", () => {
  const config = { ...exampleConfig, [`${PROJECT}:objectStore`]: { mode: "external-static" } };
  delete (config as Record<string, unknown>)[`${PROJECT}:licenseServiceUrl`];

  it("passes the owner's key on as a secret and provisions nothing", async () => {
    const outputs = await runStack(config, {
      databasePassword: SECRETS.databasePassword,
      signingKey: SECRETS.signingKey,
      objectStoreAccessKey: SECRETS.objectStoreAccessKey,
      objectStoreSecretKey: SECRETS.objectStoreSecretKey,
    });
    expect(registered.filter((r) => r.type.startsWith("minio:") || r.type === "pulumi:providers:minio")).toEqual([]);
    expect(outputs.isoPublisherAccessKey).toBeUndefined();
    const store = registered.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs["metadata"].name === "alga-license-object-store")!;
    expect(sent(store.inputs["stringData"])).toEqual({
      secret: true,
      value: { "access-key": SECRETS.objectStoreAccessKey, "secret-key": SECRETS.objectStoreSecretKey },
    });
    expect(await valueOf(outputs.licenseServiceUrl)).toBe("http://alga-license.alga-license.svc.cluster.local");
  });

  it("refuses a config without the object-store key, naming the key, the variable and the fix", async () => {
    setStackConfig(config, { databasePassword: SECRETS.databasePassword, signingKey: SECRETS.signingKey });
    expect(() => program.runVendorProgram(new pulumi.Config())).toThrow(
      /alga-appliance-vendor:objectStoreAccessKey: is not set \(OBJECT_STORE_ACCESS_KEY\); fix: pulumi config set --secret objectStoreAccessKey/,
    );
    expect(registered).toEqual([]);
  });
});

describe("stack configuration is refused before any resource is declared", () => {
  it("names every missing OBJECT_STORE_* field with the variable it feeds and the fix", () => {
    const licenseService = { ...(exampleConfig[`${PROJECT}:licenseService`] as Record<string, unknown>) };
    delete licenseService["objectStore"];
    setStackConfig({ ...exampleConfig, [`${PROJECT}:licenseService`]: licenseService }, SECRETS);
    let message = "";
    try {
      program.runVendorProgram(new pulumi.Config());
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("Pulumi.test.yaml");
    expect(message).toMatch(/alga-appliance-vendor:licenseService\.objectStore: is required/);
    expect(message).toContain("OBJECT_STORE_ENDPOINT");
    expect(message).toContain("pulumi config set --path 'licenseService.objectStore'");
    expect(registered).toEqual([]);
  });

  it("names a bad endpoint as OBJECT_STORE_ENDPOINT", () => {
    const licenseService = structuredClone(exampleConfig[`${PROJECT}:licenseService`]) as any;
    licenseService.objectStore.endpoint = "not a url";
    setStackConfig({ ...exampleConfig, [`${PROJECT}:licenseService`]: licenseService }, SECRETS);
    expect(() => program.runVendorProgram(new pulumi.Config())).toThrow(
      /licenseService\.objectStore\.endpoint: .*OBJECT_STORE_ENDPOINT.*pulumi config set --path 'licenseService\.objectStore\.endpoint'/,
    );
  });

  it("requires the object store's admin credentials for a provisioned store", () => {
    setStackConfig(exampleConfig, { databasePassword: SECRETS.databasePassword, signingKey: SECRETS.signingKey });
    expect(() => program.runVendorProgram(new pulumi.Config())).toThrow(/objectStoreAdminUser: is not set.*\n.*objectStoreAdminPassword: is not set/);
  });
});
