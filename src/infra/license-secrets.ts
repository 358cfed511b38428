import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LicenseServiceDefinition, LicenseServiceVariable, SecretKeyRef } from "../../schemas/license-service.js";
import { environmentSources } from "../../constructs/license-service.js";
import { standardLabels } from "../../constructs/labels.js";

/** A credential of the environment contract and where it comes from. */
export type CredentialValues = Partial<Record<LicenseServiceVariable, pulumi.Input<string>>>;

/**
 * The Secrets the license service's Deployment references, built from Pulumi secret config. Every
 * value is wrapped in pulumi.secret so it is encrypted in state and masked in outputs, whatever the
 * provider declares. Keys are grouped per Secret name, exactly as the construct references them.
 */
export function createLicenseSecrets(
  definition: LicenseServiceDefinition,
  credentials: CredentialValues,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret[] {
  const byName = new Map<string, Map<string, pulumi.Output<string>>>();
  const sources = environmentSources(definition);
  for (const variable of Object.keys(sources).sort() as LicenseServiceVariable[]) {
    const source = sources[variable];
    if (!("secret" in source)) continue;
    const value = credentials[variable];
    if (value === undefined) throw new Error(`license service: no value for the credential ${variable} (Secret ${source.secret.name}, key ${source.secret.key})`);
    const ref: SecretKeyRef = source.secret;
    const keys = byName.get(ref.name) ?? new Map<string, pulumi.Output<string>>();
    if (keys.has(ref.key)) throw new Error(`license service: Secret ${ref.name} key ${ref.key} is referenced by two variables; give each its own key`);
    keys.set(ref.key, pulumi.secret(value));
    byName.set(ref.name, keys);
  }
  return [...byName].map(
    ([name, keys]) =>
      new k8s.core.v1.Secret(
        `secret-${definition.namespace}-${name}`,
        {
          metadata: { name, namespace: definition.namespace, labels: standardLabels(name, "license-service") },
          type: "Opaque",
          stringData: Object.fromEntries(keys),
        },
        opts,
      ),
  );
}
