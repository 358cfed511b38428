import { z } from "zod";
import { DnsLabel, ImageReference } from "./common.js";

/** Marks an environment variable that must come from a Secret, never a literal. */
const secret = { secret: true } as const;

const DEFAULT_APPLIANCE_ISO_KEY = "appliance/current/alga-appliance.iso";

/**
 * The license service's environment contract: every variable it reads at start-up.
 * Variables marked secret are rendered as `secretKeyRef` only.
 */
export const LicenseServiceEnvironment = z.strictObject({
  DB_HOST: z.string().min(1),
  DB_PORT: z.coerce.number().int().min(1).max(65535).default(5432),
  DB_NAME: z.string().min(1),
  DB_USER_APP: z.string().min(1),
  DB_PASSWORD_APP: z.string().min(1).meta(secret),
  LICENSE_SIGNING_KEY: z.string().min(1).meta(secret),
  OBJECT_STORE_ENDPOINT: z.url(),
  OBJECT_STORE_REGION: z.string().min(1),
  OBJECT_STORE_BUCKET: z.string().min(1),
  OBJECT_STORE_ACCESS_KEY: z.string().min(1).meta(secret),
  OBJECT_STORE_SECRET_KEY: z.string().min(1).meta(secret),
  APPLIANCE_ISO_KEY: z.string().min(1).default(DEFAULT_APPLIANCE_ISO_KEY),
});
export type LicenseServiceEnvironment = z.infer<typeof LicenseServiceEnvironment>;
export type LicenseServiceVariable = keyof LicenseServiceEnvironment;

/** True when the contract says `name` must come from a Secret. */
export function isSecretVariable(name: LicenseServiceVariable): boolean {
  const meta = z.globalRegistry.get(LicenseServiceEnvironment.shape[name]);
  return meta?.["secret"] === true;
}

const SecretKey = z.strictObject({ name: DnsLabel.describe("Secret name."), key: z.string().min(1).describe("Key in the Secret.") });

/** `releases/vendor/license-service.yaml`: how the vendor runs the license service. */
export const LicenseServiceDefinition = z
  .strictObject({
    image: ImageReference,
    namespace: DnsLabel.default("alga-license"),
    replicas: z.number().int().min(1).default(2),
    port: z.number().int().min(1).max(65535).default(8080),
    database: z.strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(5432),
      name: z.string().min(1),
      user: z.string().min(1),
      passwordSecret: SecretKey,
    }),
    signingKeySecret: SecretKey,
    objectStore: z.strictObject({
      endpoint: z.url(),
      region: z.string().min(1),
      bucket: z.string().min(1),
      accessKeySecret: SecretKey,
      secretKeySecret: SecretKey,
    }),
    applianceIsoKey: z.string().min(1).default(DEFAULT_APPLIANCE_ISO_KEY),
  })
  .describe("Vendor-side license service deployment.");
export type LicenseServiceDefinition = z.infer<typeof LicenseServiceDefinition>;
export type SecretKeyRef = z.infer<typeof SecretKey>;
