import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { UserError } from "../errors.js";
import { checksumKey, ISO_METADATA, ISO_RETENTION_TAG, isoFileName, isoPrefix, versionedIsoKey, withdrawnKey } from "./iso-keys.js";
import { attempt, isPreconditionFailure } from "./iso-store-errors.js";
import { compareReleaseVersions } from "./iso-version-order.js";
import type { ObjectStoreEnvironment } from "./object-store-env.js";

/** What the current key holds. */
export interface CurrentIso {
  readonly key: string;
  /** Release version (from the object's metadata); undefined for an object published without one. */
  readonly version?: string;
  readonly sha256?: string;
  readonly etag?: string;
}

/** The published versions under the ISO prefix, as one listing shows them. */
export interface PublishedVersions {
  /** Versions whose ISO and .sha256 are both there (the .sha256 is written only after the ISO was verified). */
  readonly complete: ReadonlySet<string>;
  /** Versions a `--rollback` withdrew. */
  readonly withdrawn: ReadonlySet<string>;
}

export interface StoreContext {
  readonly client: S3Client;
  readonly env: ObjectStoreEnvironment;
  /** The store answers If-Match / If-None-Match on writes with 412 when they do not hold. */
  readonly conditionalWrites: boolean;
  readonly signal?: AbortSignal;
}

/** Every key under the ISO prefix (paged). */
export async function listIsoKeys(context: StoreContext): Promise<string[]> {
  const { client, env } = context;
  const prefix = isoPrefix(env.APPLIANCE_ISO_KEY);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await attempt("listing", env, prefix, () =>
      client.send(new ListObjectsV2Command({ Bucket: env.OBJECT_STORE_BUCKET, Prefix: prefix, ContinuationToken: token }), { abortSignal: context.signal }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Reads the versions out of a listing: `<prefix><version>/<name>` with its `.sha256`, and the withdrawal markers. */
export function publishedVersions(applianceIsoKey: string, keys: readonly string[]): PublishedVersions {
  const prefix = isoPrefix(applianceIsoKey);
  const present = new Set(keys);
  const complete = new Set<string>();
  const withdrawn = new Set<string>();
  const name = isoFileName(applianceIsoKey);
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash <= 0) continue;
    const version = rest.slice(0, slash);
    const isoKey = versionedIsoKey(applianceIsoKey, version);
    if (isoKey === applianceIsoKey || rest.slice(slash + 1) !== name) continue;
    if (present.has(checksumKey(isoKey))) complete.add(version);
    if (present.has(withdrawnKey(isoKey))) withdrawn.add(version);
  }
  return { complete, withdrawn };
}

async function headCurrent(context: StoreContext): Promise<CurrentIso | undefined> {
  const { client, env } = context;
  const key = env.APPLIANCE_ISO_KEY;
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: env.OBJECT_STORE_BUCKET, Key: key }), { abortSignal: context.signal });
    return { key, version: head.Metadata?.[ISO_METADATA.version], sha256: head.Metadata?.[ISO_METADATA.sha256], etag: head.ETag };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return undefined;
    return attempt("checking", env, key, () => Promise.reject(error));
  }
}

async function readChecksumFile(context: StoreContext): Promise<{ sha256?: string; etag?: string } | undefined> {
  const { client, env } = context;
  const key = checksumKey(env.APPLIANCE_ISO_KEY);
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: env.OBJECT_STORE_BUCKET, Key: key }), { abortSignal: context.signal });
    const text = await object.Body!.transformToString();
    return { sha256: /^([0-9a-f]{64}) /.exec(text)?.[1], etag: object.ETag };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (error as { name?: string }).name === "NoSuchKey") return undefined;
    return attempt("reading", env, key, () => Promise.reject(error));
  }
}

async function headSha256(context: StoreContext, key: string): Promise<string | undefined> {
  const { client, env } = context;
  const head = await attempt("checking", env, key, () => client.send(new HeadObjectCommand({ Bucket: env.OBJECT_STORE_BUCKET, Key: key }), { abortSignal: context.signal }));
  return head.Metadata?.[ISO_METADATA.sha256];
}

/** A version is "newer" than an object published without one. */
function newer(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined) return false;
  return b === undefined || compareReleaseVersions(a, b) > 0;
}

/** sha256sum's format, so `sha256sum -c` checks a download renamed back to the key's file name. */
export function checksumLine(sha256: string, isoKey: string): string {
  return `${sha256}  ${isoFileName(isoKey)}\n`;
}

/** Precondition headers for a write that must find `etag` (or nothing) in place, where the store honours them. */
function preconditions(context: StoreContext, etag: string | undefined): { IfMatch?: string; IfNoneMatch?: string } {
  if (!context.conditionalWrites) return {};
  return etag ? { IfMatch: etag } : { IfNoneMatch: "*" };
}

/** Marks every complete version above `version` withdrawn, so the current key may go back to `version`. */
export async function withdrawNewerVersions(context: StoreContext, version: string): Promise<string[]> {
  const { client, env } = context;
  const versions = publishedVersions(env.APPLIANCE_ISO_KEY, await listIsoKeys(context));
  const newerOnes = [...versions.complete].filter((candidate) => !versions.withdrawn.has(candidate) && compareReleaseVersions(candidate, version) > 0);
  for (const candidate of newerOnes) {
    const key = withdrawnKey(versionedIsoKey(env.APPLIANCE_ISO_KEY, candidate));
    await attempt("withdrawing", env, key, () =>
      client.send(
        new PutObjectCommand({ Bucket: env.OBJECT_STORE_BUCKET, Key: key, Body: `withdrawn by iso-publish --rollback to ${version}\n`, ContentType: "text/plain; charset=utf-8" }),
        { abortSignal: context.signal },
      ),
    );
  }
  return newerOnes;
}

/** A single CopyObject moves up to 5 GiB; above that the copy goes in parts (UploadPartCopy). */
const MAX_SINGLE_COPY_BYTES = 5 * 1024 ** 3;
const COPY_PART_BYTES = 512 * 1024 ** 2;

/**
 * Copies a versioned ISO to the current key on the store, under the given preconditions. The
 * current key never carries the retention tag: the lifecycle rule must not expire it.
 */
async function copyToCurrent(context: StoreContext, source: string, conditions: { IfMatch?: string; IfNoneMatch?: string }): Promise<void> {
  const { client, env } = context;
  const bucket = env.OBJECT_STORE_BUCKET;
  const copySource = `${bucket}/${source.split("/").map(encodeURIComponent).join("/")}`;
  const head = await attempt("checking", env, source, () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: source }), { abortSignal: context.signal }));
  const size = head.ContentLength ?? 0;
  if (size <= MAX_SINGLE_COPY_BYTES) {
    await client.send(
      new CopyObjectCommand({ Bucket: bucket, Key: env.APPLIANCE_ISO_KEY, CopySource: copySource, MetadataDirective: "COPY", TaggingDirective: "REPLACE", Tagging: "", ...conditions }),
      { abortSignal: context.signal },
    );
    return;
  }
  const key = env.APPLIANCE_ISO_KEY;
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: head.ContentType, Metadata: head.Metadata }), { abortSignal: context.signal });
  const uploadId = created.UploadId!;
  try {
    const parts = [];
    for (let start = 0, number = 1; start < size; start += COPY_PART_BYTES, number++) {
      const end = Math.min(size, start + COPY_PART_BYTES) - 1;
      const answer = await client.send(
        new UploadPartCopyCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: number, CopySource: copySource, CopySourceRange: `bytes=${start}-${end}` }),
        { abortSignal: context.signal },
      );
      parts.push({ PartNumber: number, ETag: answer.CopyPartResult?.ETag });
    }
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts }, ...conditions }), { abortSignal: context.signal });
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw error;
  }
}

/**
 * Takes the retention tag off the current key, where a copy brought it along, and reads the tags
 * back: the lifecycle rule expires tagged objects, and the current key must never expire. A copy
 * asks for no tags (TaggingDirective REPLACE), but radosgw (Ceph 16) ignores that and copies the
 * versioned ISO's tags with its bytes.
 */
async function untagCurrent(context: StoreContext): Promise<void> {
  const { client, env } = context;
  const bucket = env.OBJECT_STORE_BUCKET;
  const key = env.APPLIANCE_ISO_KEY;
  const isRetention = (tag: { Key?: string }) => tag.Key === ISO_RETENTION_TAG.key;
  const tags = async () =>
    (await attempt("reading the tags of", env, key, () => client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }), { abortSignal: context.signal }))).TagSet ?? [];
  const found = await tags();
  if (!found.some(isRetention)) return;
  await attempt("untagging", env, key, () =>
    client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet: found.filter((tag) => !isRetention(tag)) } }), { abortSignal: context.signal }),
  );
  if (!(await tags()).some(isRetention)) return;
  throw new UserError(
    `s3://${bucket}/${key}: the current key carries the retention tag ${ISO_RETENTION_TAG.key}=${ISO_RETENTION_TAG.value} and the store kept it after it was removed, so the lifecycle rule would expire the current ISO. Fix: remove the tag on the store (or use a store that copies without tags) and publish again`,
  );
}

/** How many read-decide-write rounds a publish may take before it gives up (each round that writes is followed by another read). */
const MAX_ROUNDS = 50;

/**
 * Brings the current key (and its .sha256) to the highest published version that is not withdrawn,
 * and returns what it holds. The rule is the same for every publisher, and each one reads the store
 * again after each of its own writes, so whoever writes last also checks last: however two publishes
 * interleave, the current key ends at the highest version. Where the store honours conditional
 * writes, each write names the state it was decided on (If-Match on the ETag read, If-None-Match: *
 * when there was none), so the current key never even briefly moves back; elsewhere a stale write can
 * land, and the next read of the one who wrote it puts the highest version back.
 */
export async function settleCurrentKey(context: StoreContext, onStep?: (message: string) => void): Promise<CurrentIso> {
  const { client, env } = context;
  const bucket = env.OBJECT_STORE_BUCKET;
  const currentKey = env.APPLIANCE_ISO_KEY;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // Whether the current key and its .sha256 exist comes from the listing: a key without
    // unconditional s3:ListBucket (the publisher's, which may list only the ISO prefix) is answered
    // 403, not 404, for a missing object (AWS S3, radosgw, MinIO alike).
    const keys = new Set(await listIsoKeys(context));
    const versions = publishedVersions(currentKey, [...keys]);
    const current = keys.has(currentKey) ? await headCurrent(context) : undefined;
    const eligible = [...versions.complete].filter((version) => !versions.withdrawn.has(version));
    let target = eligible.sort(compareReleaseVersions).at(-1);
    // An object the listing does not explain (published before versions were recorded, or expired
    // from its versioned key) is left alone unless a version above it exists or it was withdrawn.
    if (current && !(current.version && versions.withdrawn.has(current.version)) && !newer(target, current.version) && current.version !== undefined)
      target = current.version;
    if (target === undefined) throw new UserError(`s3://${bucket}/${isoPrefix(currentKey)}: no published version to make current`);
    const targetSha256 = versions.complete.has(target) ? await headSha256(context, versionedIsoKey(currentKey, target)) : current?.sha256;
    try {
      if (current?.version !== target || current.sha256 !== targetSha256) {
        const source = versionedIsoKey(currentKey, target);
        onStep?.(`making ${target} current: s3://${bucket}/${source} -> ${currentKey}`);
        await copyToCurrent(context, source, preconditions(context, current?.etag));
        continue;
      }
      const checksum = keys.has(checksumKey(currentKey)) ? await readChecksumFile(context) : undefined;
      if (current.sha256 && checksum?.sha256 !== current.sha256) {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: checksumKey(currentKey),
            Body: checksumLine(current.sha256, currentKey),
            ContentType: "text/plain; charset=utf-8",
            ChecksumAlgorithm: "SHA256",
            ...preconditions(context, checksum?.etag),
          }),
          { abortSignal: context.signal },
        );
        continue;
      }
      await untagCurrent(context);
      return current;
    } catch (error) {
      // Another publisher changed the key between the read and the write: read again.
      if (context.conditionalWrites && isPreconditionFailure(error)) continue;
      return attempt("replacing", env, currentKey, () => Promise.reject(error));
    }
  }
  throw new UserError(`s3://${bucket}/${currentKey}: the current key kept changing under ${MAX_ROUNDS} rounds of publishing; check for a runaway publisher and publish again`);
}
