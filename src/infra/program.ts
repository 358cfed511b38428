import * as pulumi from "@pulumi/pulumi";
import { readVendorStackConfig, SECRET_KEYS, type SecretKey } from "./stack-config.js";
import { createVendorStack, type VendorStackOutputs, type VendorStackSecrets } from "./vendor-stack.js";

/**
 * Reads the current stack's configuration and declares its resources. Bad configuration fails
 * `pulumi preview` before any resource is declared, naming every key at fault and its fix.
 */
export function runVendorProgram(config: pulumi.Config = new pulumi.Config()): VendorStackOutputs {
  const stack = pulumi.getStack();
  const parsed = readVendorStackConfig(
    // Structured keys are YAML objects; the URL is a plain string.
    (key) => (key === "licenseServiceUrl" ? config.get(key) : config.getObject(key)),
    (key) => config.getSecret(key) !== undefined,
    stack,
  );
  const secrets: VendorStackSecrets = {};
  for (const key of Object.keys(SECRET_KEYS) as SecretKey[]) {
    const value = config.getSecret(key);
    if (value !== undefined) secrets[key] = value;
  }
  return createVendorStack(parsed, secrets, `Pulumi.${stack}.yaml`);
}
