import * as pulumi from "@pulumi/pulumi";
import { readVendorStackConfig, SECRET_KEYS, type SecretKey } from "./stack-config.js";

import { createVendorStack, type VendorStackOutputs, type VendorStackSecrets } from "./vendor-stack.js";

/**
 * Whether the engine handed a config key over as a secret (`pulumi config set --secret`). The SDK
 * keeps this check internal (Config.get uses it to warn); it reads PULUMI_CONFIG_SECRET_KEYS.
 */
function isConfigSecret(fullKey: string): boolean {
  const check = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
  if (!check) throw new Error("@pulumi/pulumi no longer exposes runtime.isConfigSecret: the stack cannot tell secret config from plain text");
  return check(fullKey);
}

/**
 * Reads the current stack's configuration and declares its resources. Bad configuration fails
 * `pulumi preview` before any resource is declared, naming every key at fault and its fix.
 */
export function runVendorProgram(config: pulumi.Config = new pulumi.Config()): VendorStackOutputs {
  const stack = pulumi.getStack();
  const parsed = readVendorStackConfig(
    // Structured keys are YAML objects; the URL is a plain string.
    (key) => (key === "licenseServiceUrl" ? config.get(key) : config.getObject(key)),
    // Read raw: Config.get of a secret would log a warning of its own.
    (key) => (pulumi.runtime.getConfig(`${config.name}:${key}`) === undefined ? undefined : isConfigSecret(`${config.name}:${key}`) ? "secret" : "plain"),
    stack,
  );
  const secrets: VendorStackSecrets = {};
  for (const key of Object.keys(SECRET_KEYS) as SecretKey[]) {
    const value = config.getSecret(key);
    if (value !== undefined) secrets[key] = value;
  }
  return createVendorStack(parsed, secrets, `Pulumi.${stack}.yaml`);
}
