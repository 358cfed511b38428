import { open } from "node:fs/promises";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from "@aws-sdk/client-s3";

export interface FileUpload {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  readonly file: string;
  readonly size: number;
  readonly partSize: number;
  /** Parts in flight at once. */
  readonly queueSize: number;
  readonly contentType: string;
  readonly metadata: Record<string, string>;
  /** `key=value&…`, or undefined for no tags. */
  readonly tagging?: string;
  /** `*`: refuse to overwrite an existing object (sent only where the store honours it). */
  readonly ifNoneMatch?: "*";
  /** Aborts the upload: in-flight parts are cancelled and the multipart upload is aborted on the store. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (loaded: number) => void;
  /** Told the upload id as soon as the store hands it out (tests synchronise on it). */
  readonly onMultipartStarted?: (uploadId: string) => void;
}

function abortError(): Error {
  return Object.assign(new Error("the upload was interrupted"), { name: "AbortError" });
}

async function readPart(handle: Awaited<ReturnType<typeof open>>, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let offset = 0;
  while (offset < length) {
    const { bytesRead } = await handle.read(buffer, offset, length - offset, position + offset);
    if (bytesRead === 0) throw new Error(`the file ended at ${position + offset} bytes while reading a part; it changed during the upload`);
    offset += bytesRead;
  }
  return buffer;
}

/**
 * Uploads a file to one key: a single PUT up to `partSize`, else a multipart upload with `queueSize`
 * parts in flight, each carrying its SHA-256 checksum for the store to verify. Written here rather
 * than with lib-storage's Upload so that a failure or an interruption always ends with
 * AbortMultipartUpload sent and answered before the promise settles: a publish that fails, or is
 * stopped by SIGINT/SIGTERM, leaves no incomplete upload (and no stored parts) behind.
 */
export async function uploadFile(upload: FileUpload): Promise<void> {
  const { client, bucket, key, signal } = upload;
  if (signal?.aborted) throw abortError();
  const common = {
    Bucket: bucket,
    Key: key,
    ContentType: upload.contentType,
    Metadata: upload.metadata,
    ChecksumAlgorithm: "SHA256" as const,
    ...(upload.tagging ? { Tagging: upload.tagging } : {}),
  };
  const handle = await open(upload.file, "r");
  try {
    if (upload.size <= upload.partSize) {
      const body = await readPart(handle, 0, upload.size);
      await client.send(new PutObjectCommand({ ...common, Body: body, ...(upload.ifNoneMatch ? { IfNoneMatch: upload.ifNoneMatch } : {}) }), { abortSignal: signal });
      upload.onProgress?.(upload.size);
      return;
    }

    const created = await client.send(new CreateMultipartUploadCommand(common), { abortSignal: signal });
    const uploadId = created.UploadId!;
    upload.onMultipartStarted?.(uploadId);
    // Stops scheduling parts when one fails or the caller aborts. Parts already sent are let finish:
    // one cancelled on our side may still land on the store after the abort and re-create the upload.
    const inFlight = new AbortController();
    const stop = () => inFlight.abort();
    signal?.addEventListener("abort", stop, { once: true });
    try {
      const partCount = Math.ceil(upload.size / upload.partSize);
      const parts: CompletedPart[] = new Array(partCount);
      let next = 0;
      let loaded = 0;
      const worker = async () => {
        while (next < partCount && !inFlight.signal.aborted) {
          const index = next++;
          const position = index * upload.partSize;
          const body = await readPart(handle, position, Math.min(upload.partSize, upload.size - position));
          const answer = await client.send(
            new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: index + 1, Body: body, ChecksumAlgorithm: "SHA256" }),
          );
          parts[index] = { PartNumber: index + 1, ETag: answer.ETag, ...(answer.ChecksumSHA256 ? { ChecksumSHA256: answer.ChecksumSHA256 } : {}) };
          loaded += body.length;
          upload.onProgress?.(loaded);
        }
      };
      // The first failure is the one to report: the parts it cancels fail with AbortError after it.
      let firstFailure: unknown;
      await Promise.allSettled(
        Array.from({ length: Math.min(upload.queueSize, partCount) }, () =>
          worker().catch((error: unknown) => {
            if (firstFailure === undefined && !inFlight.signal.aborted) firstFailure = error;
            stop();
          }),
        ),
      );
      if (signal?.aborted) throw abortError();
      if (firstFailure !== undefined) throw firstFailure;
      if (inFlight.signal.aborted) throw abortError();
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
          ...(upload.ifNoneMatch ? { IfNoneMatch: upload.ifNoneMatch } : {}),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      // Every part request has settled by now, so nothing re-creates a part after the abort.
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch((abortFailure: unknown) => {
        if (error instanceof Error && error.cause === undefined) error.cause = abortFailure;
      });
      throw signal?.aborted ? abortError() : error;
    } finally {
      signal?.removeEventListener("abort", stop);
    }
  } finally {
    await handle.close();
  }
}
