import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import {
  CopyObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { UserError } from "../errors.js";
import { checksumLine, listIsoKeys, publishedVersions, settleCurrentKey, withdrawNewerVersions, type CurrentIso, type StoreContext } from "./iso-current-key.js";
import { checksumKey, conditionalWriteProbeKey, ISO_METADATA, ISO_RETENTION_TAG, isoPrefix, versionedIsoKey } from "./iso-keys.js";
import { uploadFile } from "./iso-multipart-upload.js";
import { attempt, isPreconditionFailure } from "./iso-store-errors.js";
import type { ObjectStoreEnvironment } from "./object-store-env.js";

/** SigV4 presigned URLs live at most a week. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
export const DEFAULT_PART_SIZE = 16 * 1024 ** 2;
const ISO_CONTENT_TYPE = "application/x-iso9660-image";

/** A read-only key (the license service's) to sign the printed URL with, so the write key's id never travels in a link. */
export interface PresignCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface PublishIsoOptions {
  readonly file: string;
  readonly size: number;
  readonly version: string;
  readonly presignSeconds: number;
  /** Multipart part size in bytes (S3's minimum is 5 MiB). */
  readonly partSize?: number;
  /** Overwrite the versioned key even when it holds other bytes. */
  readonly replace?: boolean;
  /** Make this version current even when a higher one is published (withdrawing the higher ones). */
  readonly rollback?: boolean;
  readonly presignCredentials?: PresignCredentials;
  /** Stops the publish: in-flight requests are cancelled, a multipart upload is aborted on the store. */
  readonly signal?: AbortSignal;
  /** Upload progress: bytes sent so far of `total`, and which object. */
  readonly onProgress?: (event: { readonly key: string; readonly loaded: number; readonly total: number }) => void;
  readonly onStep?: (message: string) => void;
  /** For tests: the clock the presigned URL is signed at. */
  readonly signingDate?: Date;
}

export interface PublishedIso {
  readonly bucket: string;
  readonly version: string;
  readonly versionedKey: string;
  readonly currentKey: string;
  readonly sha256: string;
  readonly size: number;
  /** `uploaded`, or `unchanged` when the versioned key already held these bytes (nothing was uploaded). */
  readonly upload: "uploaded" | "unchanged" | "replaced";
  /** What the current key holds when this run ends (another publish of a higher version may have won). */
  readonly current: { readonly version?: string; readonly sha256?: string };
  /** Whether this run's version is the current one at the end. */
  readonly isCurrent: boolean;
  /** Versions this run withdrew (`--rollback`). */
  readonly withdrew: readonly string[];
  /** The key the URL serves: the current key when this version is current, else its versioned key. */
  readonly urlKey: string;
  readonly url: string;
  readonly urlAccessKeyId: string;
  readonly expiresAt: string;
  /** The store's answer to conditional writes: `conditional` (If-Match/If-None-Match honoured) or `re-check` (converge by reading after each write). */
  readonly concurrencyControl: "conditional" | "re-check";
  readonly verified: "read-back-sha256";
}

/** The S3 client for the store, path-style (MinIO and most S3-compatible stores need it). */
function objectStoreClient(env: ObjectStoreEnvironment, credentials?: PresignCredentials): S3Client {
  return new S3Client({
    endpoint: env.OBJECT_STORE_ENDPOINT,
    region: env.OBJECT_STORE_REGION,
    forcePathStyle: true,
    credentials: credentials ?? { accessKeyId: env.OBJECT_STORE_ACCESS_KEY, secretAccessKey: env.OBJECT_STORE_SECRET_KEY },
    // Checksums only where asked for (every upload names SHA256): a presigned GET then carries
    // only what a plain download needs, no checksum parameters of an empty request body.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 3,
  });
}

async function sha256OfFile(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function sha256OfStream(body: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of body) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}

/**
 * Before any hashing: the store answers, the key is accepted and may list the ISO prefix and write
 * under it, and whether the store honours conditional writes (a probe object under the prefix, then
 * a copy onto it with If-None-Match: *, which such a store refuses with 412).
 */
async function checkStore(context: Omit<StoreContext, "conditionalWrites">): Promise<boolean> {
  const { client, env } = context;
  const prefix = isoPrefix(env.APPLIANCE_ISO_KEY);
  // One page is the check (no MaxKeys: 1, which some stores answer with a truncated page they then
  // cannot continue, e.g. s3rver's continuation tokens need a cipher OpenSSL 3 refuses).
  await attempt("listing", env, prefix, () =>
    client.send(new ListObjectsV2Command({ Bucket: env.OBJECT_STORE_BUCKET, Prefix: prefix }), { abortSignal: context.signal }),
  );
  const probe = conditionalWriteProbeKey(env.APPLIANCE_ISO_KEY);
  await attempt("writing", env, probe, () =>
    client.send(new PutObjectCommand({ Bucket: env.OBJECT_STORE_BUCKET, Key: probe, Body: "iso-publish: conditional write probe\n" }), { abortSignal: context.signal }),
  );
  try {
    await client.send(
      new CopyObjectCommand({
        Bucket: env.OBJECT_STORE_BUCKET,
        Key: probe,
        CopySource: `${env.OBJECT_STORE_BUCKET}/${probe.split("/").map(encodeURIComponent).join("/")}`,
        MetadataDirective: "REPLACE",
        IfNoneMatch: "*",
      }),
      { abortSignal: context.signal },
    );
    return false;
  } catch (error) {
    if (isPreconditionFailure(error)) return true;
    return attempt("probing conditional writes on", env, probe, () => Promise.reject(error));
  }
}

/** The versioned key's state: absent, or its size and recorded sha256. */
async function headVersioned(context: StoreContext, key: string): Promise<{ size?: number; sha256?: string } | undefined> {
  const { client, env } = context;
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: env.OBJECT_STORE_BUCKET, Key: key }), { abortSignal: context.signal });
    return { size: head.ContentLength, sha256: head.Metadata?.[ISO_METADATA.sha256] };
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    return attempt("checking", env, key, () => Promise.reject(error));
  }
}

/** Reads the object back and hashes it: the check that holds whatever checksums the store verifies. */
async function verifyObject(context: StoreContext, key: string, sha256: string, size: number): Promise<void> {
  const { client, env } = context;
  const object = await attempt("reading back", env, key, () => client.send(new GetObjectCommand({ Bucket: env.OBJECT_STORE_BUCKET, Key: key }), { abortSignal: context.signal }));
  const stored = await attempt("reading back", env, key, () => sha256OfStream(object.Body as Readable));
  if (stored.sha256 !== sha256 || stored.size !== size) {
    throw new UserError(
      `s3://${env.OBJECT_STORE_BUCKET}/${key}: the stored object (${stored.size} bytes, sha256 ${stored.sha256}) is not the ISO (${size} bytes, sha256 ${sha256}); the current key was not changed, publish again`,
    );
  }
}

/**
 * The retention tag, read back: a store that drops object tags would keep every versioned ISO
 * forever while the lifecycle rule looks in place. Tags sent with the upload are tried first; when
 * they did not stick, the tag is put explicitly and read back once more.
 */
async function ensureRetentionTag(context: StoreContext, key: string): Promise<void> {
  const { client, env } = context;
  const bucket = env.OBJECT_STORE_BUCKET;
  const tagged = async () => {
    const answer = await attempt("reading the tags of", env, key, () => client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }), { abortSignal: context.signal }));
    return (answer.TagSet ?? []).some((tag) => tag.Key === ISO_RETENTION_TAG.key && tag.Value === ISO_RETENTION_TAG.value);
  };
  if (await tagged()) return;
  await attempt("tagging", env, key, () =>
    client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet: [{ Key: ISO_RETENTION_TAG.key, Value: ISO_RETENTION_TAG.value }] } }), {
      abortSignal: context.signal,
    }),
  );
  if (await tagged()) return;
  throw new UserError(
    `s3://${bucket}/${key}: the store dropped the retention tag ${ISO_RETENTION_TAG.key}=${ISO_RETENTION_TAG.value} (read back after tagging), so the lifecycle rule could never expire this version; nothing was made current. Fix: use a store that keeps object tags, or give it a rule of its own that expires ${isoPrefix(env.APPLIANCE_ISO_KEY)}<version>/ keys`,
  );
}

const retentionTagging = `${ISO_RETENTION_TAG.key}=${ISO_RETENTION_TAG.value}`;

/**
 * Publishes an ISO. Versioned keys are immutable: `appliance/<version>/…` is uploaded (or, holding
 * the same bytes already, left as it is; holding other bytes, refused unless `replace`), read back
 * and verified, tagged for expiry (read back too), and only then gets its `.sha256`, which marks the
 * version complete. The current key then settles at the highest complete version that is not
 * withdrawn (settleCurrentKey), so a publish of an older version never makes it current and two
 * publishes end the same whatever their order; `rollback` withdraws the higher versions first.
 */
export async function publishIso(env: ObjectStoreEnvironment, options: PublishIsoOptions): Promise<PublishedIso> {
  const client = objectStoreClient(env);
  const bucket = env.OBJECT_STORE_BUCKET;
  const currentKey = env.APPLIANCE_ISO_KEY;
  const versionedKey = versionedIsoKey(currentKey, options.version);
  const signal = options.signal;
  try {
    options.onStep?.(`checking s3://${bucket}/${isoPrefix(currentKey)} at ${env.OBJECT_STORE_ENDPOINT}`);
    const conditionalWrites = await checkStore({ client, env, signal });
    const context: StoreContext = { client, env, conditionalWrites, signal };

    const listed = await listIsoKeys(context);
    const versions = publishedVersions(currentKey, listed);
    if (versions.withdrawn.has(options.version)) {
      throw new UserError(`s3://${bucket}/${versionedKey}: version ${options.version} was withdrawn by a --rollback and never becomes current again; publish a new version`);
    }

    options.onStep?.(`hashing ${options.file}`);
    const sha256 = await sha256OfFile(options.file, signal);

    // Absent from the listing is absent: HEAD of a missing key answers 403, not 404, to a key that may list only the prefix.
    const existing = listed.includes(versionedKey) ? await headVersioned(context, versionedKey) : undefined;
    let upload: PublishedIso["upload"] = "uploaded";
    if (existing && existing.sha256 === sha256 && existing.size === options.size) {
      upload = "unchanged";
      options.onStep?.(`s3://${bucket}/${versionedKey} already holds these bytes: nothing uploaded`);
    } else {
      if (existing && !options.replace) {
        throw new UserError(
          `s3://${bucket}/${versionedKey} already holds other bytes (${existing.size ?? "?"} bytes, sha256 ${existing.sha256 ?? "unknown"}; this ISO: ${options.size} bytes, sha256 ${sha256}); a published version is immutable: publish a new version, or pass --replace to overwrite it deliberately`,
          { existingSha256: existing.sha256 },
        );
      }
      if (existing) upload = "replaced";
      options.onStep?.(`uploading s3://${bucket}/${versionedKey}`);
      try {
        await uploadFile({
          client,
          bucket,
          key: versionedKey,
          file: options.file,
          size: options.size,
          partSize: options.partSize ?? DEFAULT_PART_SIZE,
          queueSize: 4,
          contentType: ISO_CONTENT_TYPE,
          metadata: { [ISO_METADATA.sha256]: sha256, [ISO_METADATA.version]: options.version },
          tagging: retentionTagging,
          // Another publisher of the same version between our check and our upload loses, not overwrites.
          ...(conditionalWrites && !existing ? { ifNoneMatch: "*" as const } : {}),
          signal,
          onProgress: (loaded) => options.onProgress?.({ key: versionedKey, loaded, total: options.size }),
        });
      } catch (error) {
        if (isPreconditionFailure(error)) {
          throw new UserError(`s3://${bucket}/${versionedKey}: another publish wrote this version while this one uploaded; run again to compare the bytes (same bytes: nothing to do)`);
        }
        throw await attempt("uploading", env, versionedKey, () => Promise.reject(error)).catch((mapped: unknown) => mapped);
      }
    }
    options.onStep?.(`verifying s3://${bucket}/${versionedKey}`);
    await verifyObject(context, versionedKey, sha256, options.size);
    await ensureRetentionTag(context, versionedKey);
    const checksumFile = checksumKey(versionedKey);
    await attempt("uploading", env, checksumFile, () =>
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: checksumFile,
          Body: checksumLine(sha256, versionedKey),
          ContentType: "text/plain; charset=utf-8",
          ChecksumAlgorithm: "SHA256",
          Tagging: retentionTagging,
        }),
        { abortSignal: signal },
      ),
    );

    let withdrew: string[] = [];
    if (options.rollback) {
      withdrew = await withdrawNewerVersions(context, options.version);
      if (withdrew.length > 0) options.onStep?.(`--rollback: withdrew ${withdrew.join(", ")}`);
    }

    options.onStep?.(`settling s3://${bucket}/${currentKey}`);
    const current: CurrentIso = await settleCurrentKey(context, options.onStep);

    const isCurrent = current.version === options.version && current.sha256 === sha256;
    const urlKey = isCurrent ? currentKey : versionedKey;
    const signingDate = options.signingDate ?? new Date();
    const signer = options.presignCredentials ? objectStoreClient(env, options.presignCredentials) : client;
    try {
      const url = await getSignedUrl(signer, new GetObjectCommand({ Bucket: bucket, Key: urlKey }), { expiresIn: options.presignSeconds, signingDate });
      const expiresAt = new Date(signingDate.getTime() + options.presignSeconds * 1000).toISOString();
      return {
        bucket,
        version: options.version,
        versionedKey,
        currentKey,
        sha256,
        size: options.size,
        upload,
        current: { ...(current.version ? { version: current.version } : {}), ...(current.sha256 ? { sha256: current.sha256 } : {}) },
        isCurrent,
        withdrew,
        urlKey,
        url,
        urlAccessKeyId: options.presignCredentials?.accessKeyId ?? env.OBJECT_STORE_ACCESS_KEY,
        expiresAt,
        concurrencyControl: conditionalWrites ? "conditional" : "re-check",
        verified: "read-back-sha256",
      };
    } finally {
      if (signer !== client) signer.destroy();
    }
  } finally {
    client.destroy();
  }
}
