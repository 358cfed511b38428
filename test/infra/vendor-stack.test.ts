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
    expect(container.image).toBe("ghcr.io/nine-minds/alga-license:2026.06.06@sha256:4f6b2c0e1d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c");
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
    expect(publish.Statement).toHaveLength(3);
    expect(publish.Statement[0].Resource).toEqual(["arn:aws:s3:::alga-appliance-downloads/appliance/*"]);
    expect(publish.Statement[0].Action).toEqual(expect.arrayContaining(["s3:PutObject", "s3:GetObjectTagging", "s3:AbortMultipartUpload"]));
    expect(publish.Statement.flatMap((statement: { Action: string[] }) => statement.Action)).not.toContain("s3:DeleteObject");
    // It may list the ISO prefix (the current key settles from the listing) and the bucket's
    // incomplete uploads (no prefix condition exists for that listing: radosgw refused it under one).
    expect(publish.Statement[1]).toEqual({
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: ["arn:aws:s3:::alga-appliance-downloads"],
      Condition: { StringLike: { "s3:prefix": ["appliance/*"] } },
    });
    expect(publish.Statement[2]).toEqual({ Effect: "Allow", Action: ["s3:ListBucketMultipartUploads"], Resource: ["arn:aws:s3:::alga-appliance-downloads"] });
    const store = byType("kubernetes:apps/v1:Deployment").find((d) => d.inputs["metadata"].name === "alga-iso-store")!;
    expect(store.inputs["spec"].template.spec.containers[0].image).toBe(
      "quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z@sha256:a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00",
    );
    // In-cluster: the provider reaches the Service the program owns, never the public endpoint.
    expect(byType("pulumi:providers:minio")[0]!.inputs).toMatchObject({ minioServer: "alga-iso-store.alga-license.svc.cluster.local:9000", minioSsl: "false" });
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

describe("the stack's own workloads and config, as a release engineer sets them", () => {
  const secrets = { databasePassword: SECRETS.databasePassword, signingKey: SECRETS.signingKey, objectStoreAdminUser: SECRETS.objectStoreAdminUser, objectStoreAdminPassword: SECRETS.objectStoreAdminPassword };

  it("runs MinIO and the license service pinned by digest, restricted, limited, read-only, each behind a NetworkPolicy", async () => {
    await runStack(exampleConfig, secrets);
    const deployments = byType("kubernetes:apps/v1:Deployment");
    expect(deployments.map((d) => d.inputs["metadata"].name).sort()).toEqual(["alga-iso-store", "alga-license"]);
    const policies = byType("kubernetes:networking.k8s.io/v1:NetworkPolicy");
    for (const deployment of deployments) {
      const pod = deployment.inputs["spec"].template;
      for (const container of pod.spec.containers) {
        expect(container.image, container.name).toMatch(/@sha256:[0-9a-f]{64}$/);
        expect(container.securityContext, container.name).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
        expect(Object.keys(container.resources.limits).sort(), container.name).toEqual(["cpu", "memory"]);
      }
      const selected = policies.filter((policy) =>
        Object.entries(policy.inputs["spec"].podSelector.matchLabels as Record<string, string>).every(([key, value]) => pod.metadata.labels[key] === value),
      );
      expect(selected.length, deployment.inputs["metadata"].name).toBe(1);
    }
    // MinIO has no abort-incomplete-upload lifecycle action; its own stale-upload expiry is set explicitly.
    const minio = deployments.find((d) => d.inputs["metadata"].name === "alga-iso-store")!.inputs["spec"].template.spec.containers[0];
    expect(minio.env).toContainEqual({ name: "MINIO_API_STALE_UPLOADS_EXPIRY", value: "24h" });
  });

  it("refuses a workload image without a digest, naming the key and the fix, before declaring anything", () => {
    const objectStore = { ...(exampleConfig[`${PROJECT}:objectStore`] as Record<string, unknown>), image: "quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z" };
    const licenseService = { ...(exampleConfig[`${PROJECT}:licenseService`] as Record<string, unknown>), image: "ghcr.io/nine-minds/alga-license:2026.06.06" };
    setStackConfig({ ...exampleConfig, [`${PROJECT}:objectStore`]: objectStore, [`${PROJECT}:licenseService`]: licenseService }, secrets);
    let message = "";
    try {
      program.runVendorProgram(new pulumi.Config());
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/alga-appliance-vendor:objectStore\.image: must be pinned by digest.*fix: pulumi config set --path 'objectStore\.image'/);
    expect(message).toMatch(/alga-appliance-vendor:licenseService\.image: "ghcr\.io\/nine-minds\/alga-license:2026\.06\.06" must be pinned by digest/);
    expect(registered).toEqual([]);
  });

  it("refuses a credential set without --secret, and an APPLIANCE_ISO_KEY outside a prefix", () => {
    const licenseService = { ...(exampleConfig[`${PROJECT}:licenseService`] as Record<string, unknown>), applianceIsoKey: "alga-appliance.iso" };
    const all: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...exampleConfig, [`${PROJECT}:licenseService`]: licenseService })) all[key] = typeof value === "string" ? value : JSON.stringify(value);
    for (const [key, value] of Object.entries(secrets)) all[`${PROJECT}:${key}`] = value;
    // databasePassword arrives in plain text (`pulumi config set databasePassword …`, no --secret).
    pulumi.runtime.setAllConfig(all, Object.keys(secrets).filter((key) => key !== "databasePassword").map((key) => `${PROJECT}:${key}`));
    let message = "";
    try {
      program.runVendorProgram(new pulumi.Config());
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("alga-appliance-vendor:licenseService.applianceIsoKey: \"alga-appliance.iso\" is not under a prefix; the ISO policies would cover the whole bucket");
    licenseService["applianceIsoKey"] = "appliance/current/alga-appliance.iso";
    all[`${PROJECT}:licenseService`] = JSON.stringify(licenseService);
    pulumi.runtime.setAllConfig(all, Object.keys(secrets).filter((key) => key !== "databasePassword").map((key) => `${PROJECT}:${key}`));
    expect(() => program.runVendorProgram(new pulumi.Config())).toThrow(
      "alga-appliance-vendor:databasePassword: is set in plain text (DB_PASSWORD_APP); a credential must be encrypted: fix: pulumi config set --secret databasePassword <value>",
    );
    expect(registered).toEqual([]);
  });

  it("lets the provider reach an in-cluster store through a port-forward when adminEndpoint says so", async () => {
    const objectStore = { ...(exampleConfig[`${PROJECT}:objectStore`] as Record<string, unknown>), adminEndpoint: "127.0.0.1:9000" };
    await runStack({ ...exampleConfig, [`${PROJECT}:objectStore`]: objectStore }, secrets);
    expect(byType("pulumi:providers:minio")[0]!.inputs).toMatchObject({ minioServer: "127.0.0.1:9000", minioSsl: "false" });
  });
});
