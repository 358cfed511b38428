import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { UserError } from "../errors.js";
import { checksumKey, ISO_RETENTION_TAG, versionedIsoKey } from "./iso-keys.js";
import type { ObjectStoreEnvironment } from "./object-store-env.js";

/** SigV4 presigned URLs live at most a week. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
/** A single CopyObject handles up to 5 GiB; larger ISOs are uploaded to the current key again. */
const MAX_COPY_BYTES = 5 * 1024 ** 3;
export const DEFAULT_PART_SIZE = 16 * 1024 ** 2;

export interface PublishIsoOptions {
  readonly file: string;
  readonly size: number;
  readonly version: string;
  readonly presignSeconds: number;
  /** Multipart part size in bytes (S3's minimum is 5 MiB). */
  readonly partSize?: number;
  /** Upload progress: bytes sent so far of `total`, and which object. */
  readonly onProgress?: (event: { readonly key: string; readonly loaded: number; readonly total: number }) => void;
  readonly onStep?: (message: string) => void;
  /** For tests: the clock the presigned URL is signed at. */
  readonly signingDate?: Date;
}

export interface PublishedIso {
  readonly bucket: string;
  readonly versionedKey: string;
  readonly currentKey: string;
  readonly sha256: string;
  readonly size: number;
  readonly url: string;
  readonly expiresAt: string;
  /** How the upload was checked: the store's own checksum check (when it does one) and a read-back hash. */
  readonly verified: "read-back-sha256";
}

/** The S3 client for the store, path-style (MinIO and most S3-compatible stores need it). */
function objectStoreClient(env: ObjectStoreEnvironment): S3Client {
  return new S3Client({
    endpoint: env.OBJECT_STORE_ENDPOINT,
    region: env.OBJECT_STORE_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.OBJECT_STORE_ACCESS_KEY, secretAccessKey: env.OBJECT_STORE_SECRET_KEY },
    // Checksums only where asked for (every upload names SHA256): a presigned GET then carries
    // only what a plain download needs, no checksum parameters of an empty request body.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 3,
  });
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
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

/** S3 failures in words a release engineer can act on: the object, the store and the likely fix. */
function storeError(action: string, env: ObjectStoreEnvironment, key: string, error: unknown): UserError {
  const name = (error as { name?: string; code?: string }).name ?? "";
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code ?? "";
  const where = `s3://${env.OBJECT_STORE_BUCKET}/${key} at ${env.OBJECT_STORE_ENDPOINT}`;
  let fix = "";
  if (name === "NoSuchBucket") fix = `; the bucket does not exist: create it (pulumi up) or fix OBJECT_STORE_BUCKET`;
  else if (["AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden"].includes(name))
    fix = "; check OBJECT_STORE_ACCESS_KEY/OBJECT_STORE_SECRET_KEY: publishing needs a key that may write under the ISO prefix (not the license service's read-only key)";
  else if (["ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "ETIMEDOUT"].includes(code) || ["ECONNREFUSED", "ENOTFOUND"].includes(name))
    fix = "; the store is unreachable: check OBJECT_STORE_ENDPOINT";
  return new UserError(`${action} ${where} failed: ${name || code || "error"}: ${(error as Error).message}${fix}`);
}

async function attempt<T>(action: string, env: ObjectStoreEnvironment, key: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw storeError(action, env, key, error);
  }
}

async function uploadFile(client: S3Client, env: ObjectStoreEnvironment, key: string, options: PublishIsoOptions, sha256: string, tagged: boolean): Promise<void> {
  const upload = new Upload({
    client,
    params: {
      Bucket: env.OBJECT_STORE_BUCKET,
      Key: key,
      Body: createReadStream(options.file),
      ContentType: "application/x-iso9660-image",
      // The store checks every part (or the whole object, for one part) against this checksum.
      ChecksumAlgorithm: "SHA256",
      Metadata: { sha256 },
      ...(tagged ? { Tagging: `${ISO_RETENTION_TAG.key}=${ISO_RETENTION_TAG.value}` } : {}),
    },
    partSize: options.partSize ?? DEFAULT_PART_SIZE,
    queueSize: 4,
    leavePartsOnError: false,
  });
  upload.on("httpUploadProgress", (progress) => options.onProgress?.({ key, loaded: progress.loaded ?? 0, total: options.size }));
  await attempt("uploading", env, key, () => upload.done());
}

/** Reads the object back and hashes it: the check that holds whatever checksums the store verifies. */
async function verifyObject(client: S3Client, env: ObjectStoreEnvironment, key: string, sha256: string, size: number): Promise<void> {
  const object = await attempt("reading back", env, key, () => client.send(new GetObjectCommand({ Bucket: env.OBJECT_STORE_BUCKET, Key: key })));
  const stored = await attempt("reading back", env, key, () => sha256OfStream(object.Body as Readable));
  if (stored.sha256 !== sha256 || stored.size !== size) {
    throw new UserError(
      `s3://${env.OBJECT_STORE_BUCKET}/${key}: the stored object (${stored.size} bytes, sha256 ${stored.sha256}) is not the ISO (${size} bytes, sha256 ${sha256}); the current key was not changed, publish again`,
    );
  }
}

async function putChecksum(client: S3Client, env: ObjectStoreEnvironment, isoKey: string, sha256: string, fileName: string, tagged: boolean): Promise<void> {
  const key = checksumKey(isoKey);
  await attempt("uploading", env, key, () =>
    client.send(
      new PutObjectCommand({
        Bucket: env.OBJECT_STORE_BUCKET,
        Key: key,
        // sha256sum's format, so `sha256sum -c` checks a download renamed back to fileName.
        Body: `${sha256}  ${fileName}\n`,
        ContentType: "text/plain; charset=utf-8",
        ChecksumAlgorithm: "SHA256",
        ...(tagged ? { Tagging: `${ISO_RETENTION_TAG.key}=${ISO_RETENTION_TAG.value}` } : {}),
      }),
    ),
  );
}

/**
 * Publishes an ISO: the versioned key `appliance/<version>/…` and its .sha256 first, verified by
 * reading the object back; only then is the current key (APPLIANCE_ISO_KEY) replaced, followed by
 * its .sha256. An interrupted or failed publish leaves the current key as it was.
 */
export async function publishIso(env: ObjectStoreEnvironment, options: PublishIsoOptions): Promise<PublishedIso> {
  const client = objectStoreClient(env);
  const bucket = env.OBJECT_STORE_BUCKET;
  const currentKey = env.APPLIANCE_ISO_KEY;
  const versionedKey = versionedIsoKey(currentKey, options.version);
  try {
    options.onStep?.(`hashing ${options.file}`);
    const sha256 = await sha256OfFile(options.file);

    options.onStep?.(`uploading s3://${bucket}/${versionedKey}`);
    await uploadFile(client, env, versionedKey, options, sha256, true);
    await putChecksum(client, env, versionedKey, sha256, basename(versionedKey), true);
    options.onStep?.(`verifying s3://${bucket}/${versionedKey}`);
    await verifyObject(client, env, versionedKey, sha256, options.size);

    options.onStep?.(`replacing s3://${bucket}/${currentKey}`);
    if (options.size <= MAX_COPY_BYTES) {
      await attempt("copying to", env, currentKey, () =>
        client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: currentKey,
            CopySource: `${bucket}/${versionedKey.split("/").map(encodeURIComponent).join("/")}`,
            MetadataDirective: "COPY",
            // The current key never carries the retention tag: the lifecycle rule must not expire it.
            TaggingDirective: "REPLACE",
            Tagging: "",
          }),
        ),
      );
    } else {
      await uploadFile(client, env, currentKey, options, sha256, false);
    }
    const head = await attempt("checking", env, currentKey, () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: currentKey })));
    if (head.ContentLength !== options.size || head.Metadata?.["sha256"] !== sha256) {
      throw new UserError(`s3://${bucket}/${currentKey}: after the copy it holds ${head.ContentLength} bytes, sha256 ${head.Metadata?.["sha256"] ?? "unknown"}; expected ${options.size} bytes, sha256 ${sha256}`);
    }
    await putChecksum(client, env, currentKey, sha256, basename(currentKey), false);

    const signingDate = options.signingDate ?? new Date();
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: currentKey }), {
      expiresIn: options.presignSeconds,
      signingDate,
    });
    const expiresAt = new Date(signingDate.getTime() + options.presignSeconds * 1000).toISOString();
    return { bucket, versionedKey, currentKey, sha256, size: options.size, url, expiresAt, verified: "read-back-sha256" };
  } finally {
    client.destroy();
  }
}
