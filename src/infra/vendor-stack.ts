import * as pulumi from "@pulumi/pulumi";
import { createIsoObjectStore } from "./iso-object-store.js";
import { createKubernetesResource } from "./kubernetes-resource.js";
import { createLicenseSecrets } from "./license-secrets.js";
import { renderStackObjects } from "./license-service-objects.js";
import type { SecretKey, VendorStackConfig } from "./stack-config.js";

/** Secret config values the stack was given (each a Pulumi secret output). */
export type VendorStackSecrets = Partial<Record<SecretKey, pulumi.Output<string>>>;

export interface VendorStackOutputs {
  readonly licenseServiceUrl: pulumi.Output<string>;
  readonly bucket: pulumi.Output<string>;
  readonly applianceIsoKey: string;
  /** The iso-publish key (secret outputs), when the stack provisions the store. */
  readonly isoPublisherAccessKey?: pulumi.Output<string>;
  readonly isoPublisherSecretKey?: pulumi.Output<string>;
  /** The license service's read-only key (secret outputs), when the stack mints it. */
  readonly isoReaderAccessKey?: pulumi.Output<string>;
  readonly isoReaderSecretKey?: pulumi.Output<string>;
  /** Every resource the stack declares (for tests and diagnostics; not a stack output). */
  readonly resources: readonly pulumi.Resource[];
}

/**
 * The vendor infrastructure: the ISO object store and the license service, deployed from the
 * objects its construct renders, with its Secrets built from secret config. `origin` names the
 * stack file in error messages.
 */
export function createVendorStack(config: VendorStackConfig, secrets: VendorStackSecrets, origin: string): VendorStackOutputs {
  const definition = config.licenseService;
  const rendered = renderStackObjects(definition, config.objectStore, origin);
  const objects = rendered.licenseService;

  const namespaces = objects.filter((object) => object.kind === "Namespace").map((object) => createKubernetesResource(object, {}));
  const store = createIsoObjectStore(
    config.objectStore,
    definition,
    {
      adminUser: secrets.objectStoreAdminUser,
      adminPassword: secrets.objectStoreAdminPassword,
      accessKey: secrets.objectStoreAccessKey,
      secretKey: secrets.objectStoreSecretKey,
    },
    { namespaceDependency: namespaces, inClusterObjects: rendered.store },
  );
  const licenseSecrets = createLicenseSecrets(
    definition,
    {
      DB_PASSWORD_APP: secrets.databasePassword,
      LICENSE_SIGNING_KEY: secrets.signingKey,
      OBJECT_STORE_ACCESS_KEY: store.accessKey,
      OBJECT_STORE_SECRET_KEY: store.secretKey,
    },
    { dependsOn: namespaces },
  );
  // The service starts only once its Secrets, bucket and key exist, so its first presign works.
  const workload = objects
    .filter((candidate) => candidate.kind !== "Namespace")
    .map((object) => createKubernetesResource(object, { dependsOn: [...namespaces, ...licenseSecrets, ...store.dependencies] }));

  const service = objects.find((object) => object.kind === "Service");
  const inCluster = `http://${service?.metadata?.name ?? "alga-license"}.${definition.namespace}.svc.cluster.local`;
  return {
    licenseServiceUrl: pulumi.output(config.licenseServiceUrl ?? inCluster),
    bucket: store.bucket,
    applianceIsoKey: definition.applianceIsoKey,
    ...(store.publisher
      ? {
          isoPublisherAccessKey: store.publisher.accessKey,
          isoPublisherSecretKey: store.publisher.secretKey,
          isoReaderAccessKey: store.accessKey,
          isoReaderSecretKey: store.secretKey,
        }
      : {}),
    resources: [...namespaces, ...store.resources, ...licenseSecrets, ...workload],
  };
}
