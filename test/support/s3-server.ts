import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import S3rver from "s3rver";
import { tempDir } from "./temp-dir.js";

/** s3rver's built-in credentials; it checks every request's SigV4 signature against them. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
/** A second key s3rver accepts, standing in for the license service's read-only key (s3rver has no policies). */
export const READER_CREDENTIALS = { accessKeyId: "ISOREADER", secretAccessKey: "ISOREADER-SECRET" } as const;

export interface S3ServerOptions {
  /**
   * Honour If-Match / If-None-Match on object writes (PUT, copy, CompleteMultipartUpload) with 412,
   * as AWS S3 and MinIO do. s3rver 3.7 ignores both headers; without this the server is that store.
   */
  readonly conditionalWrites?: boolean;
}

export interface S3Server {
  readonly endpoint: string;
  readonly port: number;
  /** The OBJECT_STORE_* environment for this server and `bucket`. */
  env(bucket: string, isoKey?: string): Record<string, string>;
  /** The multipart uploads the store still holds for `bucket` (read from its files): key and upload id. */
  incompleteUploads(bucket: string): { key: string; uploadId: string }[];
  close(): Promise<void>;
}

// s3rver's own pieces (CommonJS, no typings): its SigV4 check, its error type and its key registry.
const require = createRequire(import.meta.url);
const authentication = require("s3rver/lib/middleware/authentication.js") as () => (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
const S3Error = require("s3rver/lib/models/error.js") as new (code: string, message: string, detail?: Record<string, unknown>) => Error;
const { DUMMY_ACCOUNT } = require("s3rver/lib/models/account.js") as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };
DUMMY_ACCOUNT.createKeyPair(READER_CREDENTIALS.accessKeyId, READER_CREDENTIALS.secretAccessKey);

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  params: Record<string, string>;
  status: number;
  body: unknown;
  store: { getMetadata(bucket: string, key: string): Promise<{ etag: string }> };
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

/** Where s3rver's filesystem store keeps a bucket's multipart uploads (`<bucket>/._S3rver_uploads/<id>/`). */
function uploadsDir(root: string, bucket: string): string {
  return join(root, bucket, "._S3rver_uploads");
}

/**
 * What s3rver 3.7 lacks and real stores have, added in front of its router on its own store files:
 * AbortMultipartUpload (it answers MethodNotAllowed), ListMultipartUploads (NotImplemented),
 * NoSuchUpload for parts and completions of an aborted upload (it would re-create the upload), and,
 * when asked, conditional writes. Requests handled here pass s3rver's own signature check first.
 */
function storeExtensions(root: string, options: S3ServerOptions): Middleware {
  const authenticate = authentication();
  const keyLocks = new Map<string, Promise<void>>();
  return async (ctx, next) => {
    const [bucket, ...rest] = ctx.path.slice(1).split("/");
    if (!bucket) return next();
    const key = rest.map(decodeURIComponent).join("/");
    const uploadId = ctx.query["uploadId"];
    ctx.params = { ...(ctx.params ?? {}), bucket, ...(key ? { key } : {}) };

    if (ctx.method === "GET" && !key && "uploads" in ctx.query) {
      return authenticate(ctx, async () => {
        const dir = uploadsDir(root, bucket);
        const prefix = ctx.query["prefix"] ?? "";
        const uploads = existsSync(dir)
          ? readdirSync(dir)
              .filter((id) => existsSync(join(dir, id, "key")))
              .map((id) => ({ Key: readFileSync(join(dir, id, "key"), "utf8"), UploadId: id, Initiated: statSync(join(dir, id)).mtime.toISOString() }))
              .filter((upload) => upload.Key.startsWith(prefix))
          : [];
        ctx.body = { ListMultipartUploadsResult: { Bucket: bucket, Prefix: prefix, MaxUploads: 1000, IsTruncated: false, Upload: uploads } };
      });
    }
    if (!key) return next();
    if (uploadId !== undefined && ["DELETE", "PUT", "POST"].includes(ctx.method)) {
      await authenticate(ctx, async () => {
        const dir = join(uploadsDir(root, bucket), uploadId);
        if (!existsSync(dir)) throw new S3Error("NoSuchUpload", "The specified upload does not exist.", { UploadId: uploadId });
        if (ctx.method === "DELETE") {
          rmSync(dir, { recursive: true, force: true });
          ctx.status = 204;
          ctx.body = "";
        }
      });
      if (ctx.method === "DELETE") return;
    }
    const conditional = ctx.headers["if-match"] !== undefined || ctx.headers["if-none-match"] !== undefined;
    // The SDK tags requests with ?x-id=<operation>; any other query is a sub-resource (tagging, parts).
    const isWrite = (ctx.method === "PUT" && Object.keys(ctx.query).every((name) => name === "x-id")) || (ctx.method === "POST" && uploadId !== undefined);
    if (!options.conditionalWrites || !conditional || !isWrite) return next();
    // One conditional write per key at a time, so the check and the write are one step.
    const lockKey = `${bucket}/${key}`;
    const previous = keyLocks.get(lockKey) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    keyLocks.set(lockKey, previous.then(() => mine));
    await previous;
    try {
      await authenticate(ctx, async () => {
        const etag = await ctx.store.getMetadata(bucket, key).then(
          (metadata) => metadata.etag.replace(/"/g, ""),
          () => undefined,
        );
        const ifMatch = ctx.headers["if-match"]?.replace(/"/g, "");
        const ifNoneMatch = ctx.headers["if-none-match"];
        if (ifNoneMatch === "*" && etag !== undefined) throw new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "If-None-Match" });
        if (ifMatch !== undefined && etag === undefined) throw new S3Error("NoSuchKey", "The specified key does not exist.", { Key: key });
        if (ifMatch !== undefined && ifMatch !== etag) throw new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "If-Match" });
      });
      await next();
    } finally {
      release();
      if (keyLocks.get(lockKey) === mine) keyLocks.delete(lockKey);
    }
  };
}

/** A real S3 API server (s3rver) on 127.0.0.1, random port, data in a temp directory; `buckets` exist. */
export async function startS3Server(buckets: readonly string[], options: S3ServerOptions = {}): Promise<S3Server> {
  const directory = tempDir("ark-s3-");
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    directory,
    silent: !process.env["S3RVER_DEBUG"],
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  // Koa composes its middleware at listen time: the extensions go right before s3rver's router.
  const middleware = (server as unknown as { middleware: Middleware[] }).middleware;
  middleware.splice(middleware.length - 1, 0, storeExtensions(directory, options));
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    env: (bucket, isoKey = "appliance/current/alga-appliance.iso") => ({
      OBJECT_STORE_ENDPOINT: endpoint,
      OBJECT_STORE_REGION: "us-east-1",
      OBJECT_STORE_BUCKET: bucket,
      OBJECT_STORE_ACCESS_KEY: S3RVER_CREDENTIALS.accessKeyId,
      OBJECT_STORE_SECRET_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      APPLIANCE_ISO_KEY: isoKey,
    }),
    incompleteUploads: (bucket) => {
      const dir = uploadsDir(directory, bucket);
      if (!existsSync(dir)) return [];
      return readdirSync(dir).map((uploadId) => ({ uploadId, key: existsSync(join(dir, uploadId, "key")) ? readFileSync(join(dir, uploadId, "key"), "utf8") : "" }));
    },
    close: () => server.close(),
  };
}
