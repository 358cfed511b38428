import * as k8s from "@pulumi/kubernetes";
import * as minio from "@pulumi/minio";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "../../constructs/labels.js";
import type { LicenseServiceDefinition } from "../../schemas/license-service.js";
import { ISO_RETENTION_TAG, isoPrefix } from "../distribution/iso-keys.js";
import type { KubernetesObject } from "../policy/rendered-file.js";
import { IN_CLUSTER_STORE_NAME, IN_CLUSTER_STORE_PORT, IN_CLUSTER_STORE_ROOT_SECRET } from "./iso-store-objects.js";
import { createKubernetesResource } from "./kubernetes-resource.js";
import type { ObjectStoreConfig } from "./stack-config.js";

export { IN_CLUSTER_STORE_NAME } from "./iso-store-objects.js";

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
 * IAM policy for publishing ISOs: write, read back (to verify), tag (and read the tag back) and copy
 * objects under the ISO prefix; list that prefix (the current key settles from the listing) and
 * list and abort its multipart uploads. No deletes, no object outside the prefix. Listing uploads
 * is granted on the bucket without the `s3:prefix` condition: a store need not set that key for
 * ListMultipartUploads (radosgw 16 does not, and denied it under the condition), and it shows
 * upload keys and ids only.
 */
function isoPublisherPolicy(bucket: string, prefix: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject", "s3:PutObjectTagging", "s3:GetObjectTagging", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: [`arn:aws:s3:::${bucket}/${prefix}*`],
      },
      {
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [`arn:aws:s3:::${bucket}`],
        Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } },
      },
      { Effect: "Allow", Action: ["s3:ListBucketMultipartUploads"], Resource: [`arn:aws:s3:::${bucket}`] },
    ],
  });
}

/** host:port of an endpoint URL, the form the MinIO provider wants. */
function hostPort(endpoint: string): { server: string; ssl: boolean } {
  const url = new URL(endpoint);
  const ssl = url.protocol === "https:";
  return { server: `${url.hostname}:${url.port || (ssl ? "443" : "80")}`, ssl };
}

/**
 * A MinIO server next to the license service: its root-credentials Secret and the objects
 * inClusterStoreObjects renders (held to the policies by the caller). Returns the resources and the
 * Service the MinIO provider reaches it through.
 */
function deployInClusterStore(
  objects: readonly KubernetesObject[],
  namespace: string,
  credentials: IsoObjectStoreCredentials,
  opts: pulumi.CustomResourceOptions,
): { resources: pulumi.Resource[]; service: k8s.core.v1.Service } {
  const rootSecret = new k8s.core.v1.Secret(
    `secret-${namespace}-${IN_CLUSTER_STORE_ROOT_SECRET}`,
    {
      metadata: { name: IN_CLUSTER_STORE_ROOT_SECRET, namespace, labels: standardLabels(IN_CLUSTER_STORE_NAME, "iso-object-store") },
      type: "Opaque",
      stringData: { MINIO_ROOT_USER: pulumi.secret(credentials.adminUser!), MINIO_ROOT_PASSWORD: pulumi.secret(credentials.adminPassword!) },
    },
    opts,
  );
  const resources = objects.map((object) =>
    createKubernetesResource(object, { ...opts, dependsOn: [...((opts.dependsOn as pulumi.Resource[] | undefined) ?? []), rootSecret] }),
  );
  const service = resources.find((resource): resource is k8s.core.v1.Service => resource instanceof k8s.core.v1.Service)!;
  return { resources: [rootSecret, ...resources], service };
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
  opts: { readonly namespaceDependency: pulumi.Resource[]; readonly inClusterObjects?: readonly KubernetesObject[] },
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

  const inCluster =
    store.mode === "in-cluster" ? deployInClusterStore(opts.inClusterObjects ?? [], licenseService.namespace, credentials, { dependsOn: opts.namespaceDependency }) : undefined;
  const storeResources = inCluster?.resources ?? [];
  const endpoint = hostPort(licenseService.objectStore.endpoint);
  // In-cluster: the provider talks to the Service the program creates (its cluster DNS name, for a
  // `pulumi up` that runs inside the cluster), or to `adminEndpoint` (e.g. 127.0.0.1:9000 through
  // `kubectl port-forward`, see README) — never to the public endpoint, which need not exist yet.
  const server =
    store.adminEndpoint ??
    (inCluster ? pulumi.interpolate`${inCluster.service.metadata.name}.${inCluster.service.metadata.namespace}.svc.cluster.local:${IN_CLUSTER_STORE_PORT}` : endpoint.server);
  const provider = new minio.Provider(
    "iso-object-store",
    {
      minioServer: server,
      minioSsl: inCluster ? false : endpoint.ssl,
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
