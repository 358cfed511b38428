import type { LicenseServiceDefinition } from "../../schemas/license-service.js";
import { enforcePolicies, hardenedWorkloads } from "../policy/index.js";
import { composeVendor } from "../synth/compose-release.js";
import { isKustomizeFile, type KubernetesObject, type RenderedFile } from "../policy/rendered-file.js";
import { validateAgainstUpstreamSchemas } from "../synth/upstream-schemas.js";
import { UserError } from "../errors.js";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Service } from "kubernetes-models/v1/Service";

/** Upstream models for the objects the stack adds beside the construct's (synth renders none of these kinds). */
const STACK_MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "v1/Service": Service,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
};

function validateStackObjects(file: RenderedFile, origin: string): void {
  const problems: string[] = [];
  for (const object of file.objects) {
    const Model = STACK_MODELS[`${object.apiVersion}/${object.kind}`];
    if (!Model) problems.push(`${file.path}: ${object.kind}: no upstream schema known to the stack`);
    else {
      try {
        new Model(structuredClone(object) as never).validate();
      } catch (error) {
        problems.push(`${file.path}: ${object.kind} ${object.metadata?.name ?? ""}: ${(error as Error).message}`);
      }
    }
  }
  if (problems.length > 0) throw new UserError(`${origin}: the stack's objects fail the upstream Kubernetes schemas:\n  ${problems.join("\n  ")}`);
}
import type { ObjectStoreConfig } from "./stack-config.js";
import { IN_CLUSTER_STORE_PORT, inClusterStoreObjects, licenseServiceNetworkPolicy } from "./iso-store-objects.js";

export interface StackObjects {
  /** The license service's objects, its NetworkPolicy included. */
  readonly licenseService: KubernetesObject[];
  /** The in-cluster object store's objects (empty for an external store). */
  readonly store: KubernetesObject[];
}

function portOf(endpoint: string): number {
  const url = new URL(endpoint);
  return Number(url.port || (url.protocol === "https:" ? 443 : 80));
}

/**
 * The stack's own workloads, rendered in memory: the license service by the same constructs
 * `npm run synth` writes to dist/vendor/ (so the manifests and the stack cannot drift apart), a
 * NetworkPolicy for it, and the in-cluster store. All of it is held to the upstream schemas and to
 * the policies synth enforces, as for a locked release (every image by digest), plus
 * hardenedWorkloads (limits, read-only root filesystem, a NetworkPolicy each).
 */
export function renderStackObjects(definition: LicenseServiceDefinition, store: ObjectStoreConfig, origin: string): StackObjects {
  const vendor = composeVendor(definition);
  const deployment = vendor.flatMap((file) => file.objects).find((object) => object.kind === "Deployment");
  const podLabels = ((deployment?.["spec"] as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels ?? {}) as Record<string, string>;
  const networkPolicy = licenseServiceNetworkPolicy({
    namespace: definition.namespace,
    podLabels,
    port: definition.port,
    databasePort: definition.database.port,
    objectStorePort: store.mode === "in-cluster" ? IN_CLUSTER_STORE_PORT : portOf(definition.objectStore.endpoint),
  });
  const storeObjects =
    store.mode === "in-cluster" ? inClusterStoreObjects({ namespace: definition.namespace, image: store.image, storageSize: store.storageSize }) : [];
  const added: RenderedFile[] = [
    { path: `${origin}#license-service-networkpolicy`, objects: [networkPolicy] },
    ...(storeObjects.length > 0 ? [{ path: `${origin}#objectStore`, objects: storeObjects }] : []),
  ];
  validateAgainstUpstreamSchemas(vendor, origin);
  for (const file of added) validateStackObjects(file, origin);
  const files: RenderedFile[] = [...vendor, ...added];
  enforcePolicies(files, origin, { context: { locked: true } });
  const hardening = hardenedWorkloads(files, { locked: true });
  if (hardening.length > 0) {
    throw new UserError(`${origin}: the stack's workloads break ${hardening.length} rule(s):\n${hardening.map((v) => `  ${v.file}: ${v.object}: ${v.field}: ${v.message} [hardened-workloads]`).join("\n")}`);
  }
  return {
    licenseService: [...vendor.flatMap((file) => file.objects).filter((object) => !isKustomizeFile(object)), networkPolicy],
    store: storeObjects,
  };
}
