import { z } from "zod";
import { LicenseServiceDefinition } from "../../schemas/license-service.js";
import { ImageReference } from "../../schemas/common.js";
import { fieldPath, formatIssues } from "../release/format-issues.js";
import { isoKeyProblem } from "../distribution/iso-keys.js";

/** The Pulumi project name; stack config keys are `<project>:<key>`. */
export const PULUMI_PROJECT = "alga-appliance-vendor";

/** An image reference that names its digest. */
const DIGEST_PINNED = /@sha256:[0-9a-f]{64}$/;

/** Where the ISO object store comes from. */
const ObjectStore = z.discriminatedUnion("mode", [
  z
    .strictObject({
      mode: z.literal("in-cluster"),
      /** MinIO server image, pinned by digest. */
      image: ImageReference.refine((image) => DIGEST_PINNED.test(image), {
        error: "must be pinned by digest (registry/repository:tag@sha256:<64 hex>): the stack deploys it outside any release lock",
      }),
      storageSize: z.string().regex(/^[0-9]+(Mi|Gi|Ti)$/, { error: "must be a size such as 50Gi" }).default("50Gi"),
      /** host:port the Pulumi MinIO provider reaches the store's admin API on (default: the endpoint's host). */
      adminEndpoint: z.string().min(1).optional(),
      isoRetentionDays: z.number().int().min(1).default(180),
    })
    .describe("A MinIO-style server deployed next to the license service; bucket, lifecycle and key provisioned."),
  z
    .strictObject({
      mode: z.literal("external-minio"),
      adminEndpoint: z.string().min(1).optional(),
      isoRetentionDays: z.number().int().min(1).default(180),
    })
    .describe("An existing S3-compatible store that speaks the MinIO admin API; bucket, lifecycle and key provisioned."),
  z
    .strictObject({ mode: z.literal("external-static") })
    .describe("An existing bucket and a read-only key made by the store's owner (e.g. AWS S3); nothing provisioned."),
]);
export type ObjectStoreConfig = z.infer<typeof ObjectStore>;

/** Non-secret stack configuration. The license service part is the schema the constructs render from. */
export const VendorStackConfig = z
  .strictObject({
    licenseService: LicenseServiceDefinition,
    objectStore: ObjectStore,
    /** Public URL of the license service (ingress); default: its in-cluster Service URL. */
    licenseServiceUrl: z.url().optional(),
  })
  .superRefine((config, ctx) => {
    // The ISO policies, lifecycle rules and iso-publish's listing all cover `<prefix>*`.
    const problem = isoKeyProblem(config.licenseService.applianceIsoKey);
    if (problem) ctx.addIssue({ code: "custom", path: ["licenseService", "applianceIsoKey"], message: problem });
    if (!DIGEST_PINNED.test(config.licenseService.image)) {
      ctx.addIssue({
        code: "custom",
        path: ["licenseService", "image"],
        message: `"${config.licenseService.image}" must be pinned by digest (…:tag@sha256:<64 hex>, e.g. from \`crane digest\`): the stack deploys it outside any release lock`,
      });
    }
  });
export type VendorStackConfig = z.infer<typeof VendorStackConfig>;

/** Secret config keys (`pulumi config set --secret KEY`), what they feed and when they are needed. */
export const SECRET_KEYS = {
  databasePassword: "DB_PASSWORD_APP",
  signingKey: "LICENSE_SIGNING_KEY",
  objectStoreAdminUser: "the object store's admin (in-cluster: root) user",
  objectStoreAdminPassword: "the object store's admin (in-cluster: root) password",
  objectStoreAccessKey: "OBJECT_STORE_ACCESS_KEY",
  objectStoreSecretKey: "OBJECT_STORE_SECRET_KEY",
} as const;
export type SecretKey = keyof typeof SECRET_KEYS;

/** Which secret keys a configuration needs: provisioned stores mint the service's key themselves. */
function requiredSecretKeys(config: VendorStackConfig): SecretKey[] {
  const base: SecretKey[] = ["databasePassword", "signingKey"];
  return config.objectStore.mode === "external-static"
    ? [...base, "objectStoreAccessKey", "objectStoreSecretKey"]
    : [...base, "objectStoreAdminUser", "objectStoreAdminPassword"];
}

/** Which `OBJECT_STORE_*` variable a config path under `licenseService.objectStore` feeds. */
const OBJECT_STORE_VARIABLES: Record<string, string> = {
  endpoint: "OBJECT_STORE_ENDPOINT",
  region: "OBJECT_STORE_REGION",
  bucket: "OBJECT_STORE_BUCKET",
  accessKeySecret: "OBJECT_STORE_ACCESS_KEY",
  secretKeySecret: "OBJECT_STORE_SECRET_KEY",
};

/** A stack configuration the program refuses; the message names the keys and the commands that fix them. */
export class StackConfigError extends Error {
  constructor(
    readonly problems: readonly string[],
    stack: string,
  ) {
    super(`Pulumi.${stack}.yaml: invalid stack configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "StackConfigError";
  }
}

function fixFor(path: readonly PropertyKey[]): string {
  const top = String(path[0] ?? "");
  const variable = path[0] === "licenseService" && path[1] === "objectStore" ? OBJECT_STORE_VARIABLES[String(path[2] ?? "")] : undefined;
  const feeds =
    variable ??
    (path[0] === "licenseService" && path[1] === "objectStore" ? Object.values(OBJECT_STORE_VARIABLES).join(", ") : undefined);
  const example = path.length > 1 ? `pulumi config set --path '${fieldPath(path)}' <value>` : `pulumi config set --path '${top}.<field>' <value>`;
  return `${feeds ? ` (the license service's ${feeds})` : ""}; fix: ${example}`;
}

/** How a credential key is set: encrypted (`--secret`), in plain text in the stack file, or not at all. */
export type SecretState = "secret" | "plain" | undefined;

/**
 * Reads and validates the stack configuration. `read` returns a config key's parsed value (objects
 * from YAML) or undefined; `secretState` says how a credential key is set. Throws StackConfigError
 * listing every problem at once, each with the `<project>:<key>` path and the command that fixes it.
 */
export function readVendorStackConfig(read: (key: string) => unknown, secretState: (key: SecretKey) => SecretState, stack: string): VendorStackConfig {
  const raw = { licenseService: read("licenseService"), objectStore: read("objectStore"), licenseServiceUrl: read("licenseServiceUrl") };
  const result = VendorStackConfig.safeParse(Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined)));
  if (!result.success) {
    const lines = formatIssues(result.error.issues);
    const problems = result.error.issues.map((issue, index) => `${PULUMI_PROJECT}:${lines[index]}${fixFor(issue.path)}`);
    throw new StackConfigError(problems, stack);
  }
  // A credential in plain text sits unencrypted in Pulumi.<stack>.yaml (and so in git): refused
  // wherever it is set, needed by this configuration or not.
  const problems = [
    ...(Object.keys(SECRET_KEYS) as SecretKey[])
      .filter((key) => secretState(key) === "plain")
      .map((key) => `${PULUMI_PROJECT}:${key}: is set in plain text (${SECRET_KEYS[key]}); a credential must be encrypted: fix: pulumi config set --secret ${key} <value>`),
    ...requiredSecretKeys(result.data)
      .filter((key) => secretState(key) === undefined)
      .map((key) => `${PULUMI_PROJECT}:${key}: is not set (${SECRET_KEYS[key]}); fix: pulumi config set --secret ${key} <value>`),
  ];
  if (problems.length > 0) throw new StackConfigError(problems, stack);
  return result.data;
}
