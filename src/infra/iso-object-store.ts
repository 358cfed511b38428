import * as k8s from "@pulumi/kubernetes";
import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "../../constructs/labels.js";
import type { LicenseServiceDefinition } from "../../schemas/license-service.js";
import { ISO_RETENTION_TAG, isoPrefix } from "../distribution/iso-keys.js";
import type { ObjectStoreConfig } from "./stack-config.js";

/** Name of the in-cluster store's Deployment and Service. */
const IN_CLUSTER_STORE_NAME = "alga-iso-store";

export interface IsoObjectStoreCredentials {
  readonly adminUser?: pulumi.Input<string>;
  readonly adminPassword?: pulumi.Input<string>;
  /** The license service's key, for `external-static` stores. */
  readonly accessKey?: pulumi.Input<string>;
  readonly secretKey?: pulumi.Input<string>;
}

export interface IsoObjectStore {
  readonly bucket: pulumi.Output<string>;
  /** The license service's read-only key (secret outputs). */
  readonly accessKey: pulumi.Output<string>;
  readonly secretKey: pulumi.Output<string>;
  /** Resources the license service must wait for. */
  readonly dependencies: pulumi.Resource[];
  /** Every resource declared for the store. */
  readonly resources: pulumi.Resource[];
  /** The key `npm run iso-publish` uses (write under the ISO prefix), when the store is provisioned. */
  readonly publisher?: { readonly accessKey: pulumi.Output<string>; readonly secretKey: pulumi.Output<string> };
}

/** IAM policy: read (and so presign) objects under the ISO prefix of one bucket, nothing else. */
function isoReadOnlyPolicy(bucket: string, prefix: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${bucket}/${prefix}*`] }],
  });
}

/**
 * IAM policy for publishing ISOs: write, read back (to verify), tag and copy objects under the ISO
 * prefix, and clean up its own multipart uploads. No listing, no deletes, nothing outside the prefix.
 */
function isoPublisherPolicy(bucket: string, prefix: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: [`arn:aws:s3:::${bucket}/${prefix}*`],
      },
    ],
  });
}

/** host:port of an endpoint URL, the form the MinIO provider wants. */
function hostPort(endpoint: string): { server: string; ssl: boolean } {
  const url = new URL(endpoint);
  const ssl = url.protocol === "https:";
  return { server: `${url.hostname}:${url.port || (ssl ? "443" : "80")}`, ssl };
}

/** A MinIO-style server next to the license service: root credentials Secret, volume, Deployment, Service. */
function deployInClusterStore(
  store: Extract<ObjectStoreConfig, { mode: "in-cluster" }>,
  namespace: string,
  credentials: IsoObjectStoreCredentials,
  opts: pulumi.CustomResourceOptions,
): pulumi.Resource[] {
  const labels = standardLabels(IN_CLUSTER_STORE_NAME, "iso-object-store");
  const metadata = { name: IN_CLUSTER_STORE_NAME, namespace, labels };
  const rootSecret = new k8s.core.v1.Secret(
    `secret-${namespace}-${IN_CLUSTER_STORE_NAME}-root`,
    {
      metadata: { ...metadata, name: `${IN_CLUSTER_STORE_NAME}-root` },
      type: "Opaque",
      stringData: { MINIO_ROOT_USER: pulumi.secret(credentials.adminUser!), MINIO_ROOT_PASSWORD: pulumi.secret(credentials.adminPassword!) },
    },
    opts,
  );
  const volume = new k8s.core.v1.PersistentVolumeClaim(
    `persistentvolumeclaim-${namespace}-${IN_CLUSTER_STORE_NAME}`,
    { metadata, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: store.storageSize } } } },
    opts,
  );
  const deployment = new k8s.apps.v1.Deployment(
    `deployment-${namespace}-${IN_CLUSTER_STORE_NAME}`,
    {
      metadata,
      spec: {
        replicas: 1,
        // One writer on a ReadWriteOnce volume: replace, never surge.
        strategy: { type: "Recreate" },
        selector: { matchLabels: { "app.kubernetes.io/name": IN_CLUSTER_STORE_NAME } },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, runAsNonRoot: true },
            containers: [
              {
                name: "object-store",
                image: store.image,
                args: ["server", "/data"],
                ports: [{ name: "s3", containerPort: 9000 }],
                envFrom: [{ secretRef: { name: rootSecret.metadata.name } }],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                readinessProbe: { httpGet: { path: "/minio/health/ready", port: 9000 } },
                livenessProbe: { httpGet: { path: "/minio/health/live", port: 9000 } },
                volumeMounts: [{ name: "data", mountPath: "/data" }],
              },
            ],
            volumes: [{ name: "data", persistentVolumeClaim: { claimName: volume.metadata.name } }],
          },
        },
      },
    },
    opts,
  );
  const service = new k8s.core.v1.Service(
    `service-${namespace}-${IN_CLUSTER_STORE_NAME}`,
    { metadata, spec: { selector: { "app.kubernetes.io/name": IN_CLUSTER_STORE_NAME }, ports: [{ name: "s3", port: 9000, targetPort: 9000 }] } },
    opts,
  );
  return [rootSecret, volume, deployment, service];
}

/**
 * The ISO object store: the bucket, a lifecycle rule expiring old versioned ISOs, and a key for the
 * license service that may only read under the ISO prefix. For an `external-static` store the
 * bucket and key are the owner's; the program only passes them on.
 */
export function createIsoObjectStore(
  store: ObjectStoreConfig,
  licenseService: LicenseServiceDefinition,
  credentials: IsoObjectStoreCredentials,
  opts: { readonly namespaceDependency: pulumi.Resource[] },
): IsoObjectStore {
  const bucketName = licenseService.objectStore.bucket;
  if (store.mode === "external-static") {
    pulumi.log.warn(
      `object store ${licenseService.objectStore.endpoint}: mode external-static provisions nothing; the bucket ${bucketName}, its lifecycle rule and a read-only key under ${isoPrefix(licenseService.applianceIsoKey)} are the store owner's job`,
    );
    return {
      bucket: pulumi.output(bucketName),
      accessKey: pulumi.secret(credentials.accessKey!),
      secretKey: pulumi.secret(credentials.secretKey!),
      dependencies: [],
      resources: [],
    };
  }

  const storeResources =
    store.mode === "in-cluster"
      ? deployInClusterStore(store, licenseService.namespace, credentials, { dependsOn: opts.namespaceDependency })
      : [];
  const endpoint = hostPort(licenseService.objectStore.endpoint);
  const provider = new minio.Provider(
    "iso-object-store",
    {
      minioServer: store.adminEndpoint ?? endpoint.server,
      minioSsl: endpoint.ssl,
      minioRegion: licenseService.objectStore.region,
      minioUser: pulumi.secret(credentials.adminUser!),
      minioPassword: pulumi.secret(credentials.adminPassword!),
    },
    { dependsOn: storeResources },
  );
  const options = { provider };
  const bucket = new minio.S3Bucket("iso-bucket", { bucket: bucketName, acl: "private" }, options);
  const prefix = isoPrefix(licenseService.applianceIsoKey);
  const lifecycle = new minio.IlmPolicy(
    "iso-lifecycle",
    {
      bucket: bucket.bucket,
      rules: [
        {
          id: "expire-old-isos",
          status: "Enabled",
          filter: prefix,
          tags: { [ISO_RETENTION_TAG.key]: ISO_RETENTION_TAG.value },
          expiration: `${store.isoRetentionDays}d`,
        },
      ],
    },
    options,
  );
  const policy = new minio.IamPolicy(
    "iso-read-only",
    { name: "alga-license-iso-read-only", policy: bucket.bucket.apply((name) => isoReadOnlyPolicy(name, prefix)) },
    options,
  );
  const user = new minio.IamUser("license-service-iso-reader", { name: "alga-license-iso-reader" }, options);
  const attachment = new minio.IamUserPolicyAttachment(
    "license-service-iso-read-only",
    { userName: user.name, policyName: policy.name },
    options,
  );
  const publisherPolicy = new minio.IamPolicy(
    "iso-publish",
    { name: "alga-iso-publish", policy: bucket.bucket.apply((name) => isoPublisherPolicy(name, prefix)) },
    options,
  );
  const publisher = new minio.IamUser("iso-publisher", { name: "alga-iso-publisher" }, options);
  const publisherAttachment = new minio.IamUserPolicyAttachment(
    "iso-publisher-publish",
    { userName: publisher.name, policyName: publisherPolicy.name },
    options,
  );
  return {
    bucket: bucket.bucket,
    // MinIO users are their own access keys; the pair is a credential and stays secret.
    accessKey: pulumi.secret(user.name),
    secretKey: pulumi.secret(user.secret),
    dependencies: [bucket, lifecycle, attachment],
    resources: [...storeResources, provider, bucket, lifecycle, policy, user, attachment, publisherPolicy, publisher, publisherAttachment],
    publisher: { accessKey: pulumi.secret(publisher.name), secretKey: pulumi.secret(publisher.secret) },
  };
}
