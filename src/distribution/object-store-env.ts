import { LicenseServiceEnvironment } from "../../schemas/license-service.js";
import { UserError } from "../errors.js";

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
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    const what = raw[name] === undefined ? "is not set" : `is invalid (${issue.message})`;
    return `  ${name} ${what}; fix: export ${name}=${EXAMPLES[name] ?? "<value>"}`;
  });
  throw new UserError(`object store configuration (environment): nothing was uploaded\n${problems.join("\n")}`, {
    variables: result.error.issues.map((issue) => String(issue.path[0])),
  });
}
