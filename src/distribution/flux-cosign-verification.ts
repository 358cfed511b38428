import type { KubernetesObject } from "../policy/rendered-file.js";

/** The Secret that holds the vendor's public key(s) for Flux, beside the OCIRepository it serves. */
const COSIGN_KEYS_SECRET = "alga-appliance-cosign";

/**
 * Flux re-verifies the bundle on every reconcile: the OCIRepository gets
 * `spec.verify: {provider: cosign, secretRef}` and a Secret carries each public key under a name
 * ending in `.pub` (source-controller tries every such entry; any one may match). Plain objects, so
 * pull loads no renderer.
 */
export function withCosignVerification(objects: readonly KubernetesObject[], publicKeyPems: readonly string[]): KubernetesObject[] {
  if (publicKeyPems.length === 0) return [...objects];
  const result: KubernetesObject[] = [];
  const namespaces = new Set<string | undefined>();
  for (const object of objects) {
    if (object.kind === "OCIRepository" && object.apiVersion.startsWith("source.toolkit.fluxcd.io/")) {
      const spec = (object as { spec?: Record<string, unknown> }).spec ?? {};
      result.push({ ...object, spec: { ...spec, verify: { provider: "cosign", secretRef: { name: COSIGN_KEYS_SECRET } } } });
      namespaces.add(object.metadata?.namespace);
    } else {
      result.push(object);
    }
  }
  if (namespaces.size === 0) throw new Error("no OCIRepository to add signature verification to");
  const stringData = Object.fromEntries(publicKeyPems.map((pem, index) => [index === 0 ? "cosign.pub" : `cosign-${index + 1}.pub`, pem]));
  for (const namespace of namespaces) {
    result.push({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: COSIGN_KEYS_SECRET, ...(namespace ? { namespace } : {}) },
      type: "Opaque",
      stringData,
    });
  }
  return result;
}
