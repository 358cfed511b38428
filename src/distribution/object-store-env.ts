import { LicenseServiceEnvironment } from "../../schemas/license-service.js";
import { UserError } from "../errors.js";
import { isoKeyProblem } from "./iso-keys.js";

/** The object-store part of the license service's environment contract: the same names, here with write access. */
export const ObjectStoreEnvironment = LicenseServiceEnvironment.pick({
  OBJECT_STORE_ENDPOINT: true,
  OBJECT_STORE_REGION: true,
  OBJECT_STORE_BUCKET: true,
  OBJECT_STORE_ACCESS_KEY: true,
  OBJECT_STORE_SECRET_KEY: true,
  APPLIANCE_ISO_KEY: true,
});
export type ObjectStoreEnvironment = ReturnType<typeof ObjectStoreEnvironment.parse>;

const EXAMPLES: Record<string, string> = {
  OBJECT_STORE_ENDPOINT: "https://objects.nineminds.com",
  OBJECT_STORE_REGION: "us-east-1",
  OBJECT_STORE_BUCKET: "alga-appliance-downloads",
  OBJECT_STORE_ACCESS_KEY: "<a key that may write under appliance/>",
  OBJECT_STORE_SECRET_KEY: "<its secret>",
  APPLIANCE_ISO_KEY: "appliance/current/alga-appliance.iso",
};

/**
 * Reads the object-store variables from `env`. Every missing or invalid variable is reported at
 * once, with an example export; values of the credentials are never echoed.
 */
export function readObjectStoreEnvironment(env: NodeJS.ProcessEnv): ObjectStoreEnvironment {
  const raw = Object.fromEntries(Object.keys(ObjectStoreEnvironment.shape).map((name) => [name, env[name] === "" ? undefined : env[name]]));
  const result = ObjectStoreEnvironment.safeParse(raw);
  const keyProblem = result.success ? isoKeyProblem(result.data.APPLIANCE_ISO_KEY) : undefined;
  if (result.success && keyProblem === undefined) return result.data;
  if (result.success) {
    throw new UserError(`object store configuration (environment): nothing was uploaded\n  APPLIANCE_ISO_KEY ${keyProblem}; fix: export APPLIANCE_ISO_KEY=${EXAMPLES["APPLIANCE_ISO_KEY"]}`, {
      variables: ["APPLIANCE_ISO_KEY"],
    });
  }
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    const what = raw[name] === undefined ? "is not set" : `is invalid (${issue.message})`;
    return `  ${name} ${what}; fix: export ${name}=${EXAMPLES[name] ?? "<value>"}`;
  });
  throw new UserError(`object store configuration (environment): nothing was uploaded\n${problems.join("\n")}`, {
    variables: result.error.issues.map((issue) => String(issue.path[0])),
  });
}

/**
 * The optional read-only key the printed URL is signed with (OBJECT_STORE_READ_ACCESS_KEY and
 * OBJECT_STORE_READ_SECRET_KEY, both or neither): a presigned URL names its key's id, and a link
 * emailed to customers should name the license service's read-only key, not the one that may write.
 */
export function readPresignCredentials(env: NodeJS.ProcessEnv): { accessKeyId: string; secretAccessKey: string } | undefined {
  const accessKeyId = env["OBJECT_STORE_READ_ACCESS_KEY"] || undefined;
  const secretAccessKey = env["OBJECT_STORE_READ_SECRET_KEY"] || undefined;
  if (accessKeyId === undefined && secretAccessKey === undefined) return undefined;
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    const missing = accessKeyId === undefined ? "OBJECT_STORE_READ_ACCESS_KEY" : "OBJECT_STORE_READ_SECRET_KEY";
    throw new UserError(`object store configuration (environment): ${missing} is not set, but its pair is; nothing was uploaded; fix: export both (the license service's read-only key, e.g. from its Secret alga-license-object-store) or neither`);
  }
  return { accessKeyId, secretAccessKey };
}
