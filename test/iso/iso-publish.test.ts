import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectTaggingCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readObjectStoreEnvironment } from "../../src/distribution/object-store-env.js";
import { publishIso } from "../../src/distribution/publish-iso.js";
import { startLocalServer } from "../support/local-server.js";
import { PROJECT_ROOT, runCli } from "../support/run-cli.js";
import { READER_CREDENTIALS, S3RVER_CREDENTIALS, startS3Server, type S3Server } from "../support/s3-server.js";
import { startS3Proxy } from "../support/s3-proxy.js";
import { tempDir } from "../support/temp-dir.js";

const BUCKET = "alga-appliance-downloads";
const CURRENT = "appliance/current/alga-appliance.iso";
let s3: S3Server;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3Server([BUCKET, "empty-bucket"]);
  client = new S3Client({ endpoint: s3.endpoint, region: "us-east-1", forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
});
afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

function isoFile(version: string, bytes: number): { path: string; data: Buffer } {
  const data = randomBytes(bytes);
  const path = join(tempDir(), `alga-appliance-ubuntu-${version}.iso`);
  writeFileSync(path, data);
  return { path, data };
}

let buckets = 0;
/** A bucket of its own for a test, so no test sees another's versions. */
async function freshBucket(): Promise<string> {
  const bucket = `publish-${++buckets}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function objectBytes(key: string, bucket = BUCKET): Promise<Buffer> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function exists(key: string, bucket = BUCKET): Promise<boolean> {
  return client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    () => false,
  );
}

function publish(file: string, env: Record<string, string>, extra: string[] = []) {
  return runCli("iso-publish", ["--file", file, "--part-size-mib", "5", "--json", ...extra], { env });
}

describe("npm run iso-publish against a real S3 API (s3rver on 127.0.0.1)", { timeout: 240_000 }, () => {
  it("puts the ISO and its .sha256 at the versioned and the current key, and prints a URL that serves the same bytes", async () => {
    const iso = isoFile("1.0.0", 12 * 1024 * 1024 + 123); // three parts of 5 MiB
    const result = await publish(iso.path, s3.env(BUCKET), ["--ttl", "600"]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      ok: true,
      bucket: BUCKET,
      versionedKey: "appliance/1.0.0/alga-appliance.iso",
      currentKey: CURRENT,
      sha256: sha256(iso.data),
      size: iso.data.length,
      upload: "uploaded",
      current: { version: "1.0.0", sha256: sha256(iso.data) },
      isCurrent: true,
      urlKey: CURRENT,
      urlAccessKeyId: "S3RVER",
      concurrencyControl: "re-check",
    });
    // The versioned ISO carries the retention tag (read back by the publish); the current key never does.
    const tags = async (key: string) => (await client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }))).TagSet ?? [];
    expect(await tags("appliance/1.0.0/alga-appliance.iso")).toEqual([{ Key: "alga-iso-retention", Value: "expire" }]);
    expect(await tags(CURRENT)).toEqual([]);
    expect(sha256(await objectBytes("appliance/1.0.0/alga-appliance.iso"))).toBe(sha256(iso.data));
    expect(sha256(await objectBytes(CURRENT))).toBe(sha256(iso.data));
    expect((await objectBytes(`${CURRENT}.sha256`)).toString()).toBe(`${sha256(iso.data)}  alga-appliance.iso\n`);
    expect((await objectBytes("appliance/1.0.0/alga-appliance.iso.sha256")).toString()).toBe(`${sha256(iso.data)}  alga-appliance.iso\n`);

    const url = new URL(report.url);
    expect(url.pathname).toBe(`/${BUCKET}/${CURRENT}`);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("600");
    expect(Date.parse(report.expiresAt) - Date.now()).toBeGreaterThan(500_000);
    const download = await fetch(report.url);
    expect(download.status).toBe(200);
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(iso.data));
    // s3rver checks the access key and the expiry of a presigned URL but not its SigV4 signature,
    // so the signing scope is asserted here: the region and service a real store checks it against.
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(/^S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request$/);
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host");
    expect([...url.searchParams.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
  });

  it("refuses the presigned URL once its TTL has passed", async () => {
    // Signed on an injected clock a minute ago with a 1 s TTL: expired now, with no waiting.
    const iso = isoFile("1.0.1", 64 * 1024);
    const { url, expiresAt } = await publishIso(readObjectStoreEnvironment(s3.env(BUCKET)), {
      file: iso.path,
      size: iso.data.length,
      version: "1.0.1",
      presignSeconds: 1,
      signingDate: new Date(Date.now() - 60_000),
    });
    expect(Date.parse(expiresAt)).toBeLessThan(Date.now() - 50_000);
    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("Request has expired");
  });

  it("refuses missing configuration before uploading anything, naming each variable and the fix", async () => {
    const iso = isoFile("1.0.2", 1024);
    const env = { ...s3.env("empty-bucket"), OBJECT_STORE_REGION: "", OBJECT_STORE_SECRET_KEY: "" };
    const result = await runCli("iso-publish", ["--file", iso.path], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("OBJECT_STORE_REGION is not set; fix: export OBJECT_STORE_REGION=");
    expect(result.stderr).toContain("OBJECT_STORE_SECRET_KEY is not set; fix: export OBJECT_STORE_SECRET_KEY=");
    expect(result.stderr).toContain("nothing was uploaded");
    const listing = await client.send(new ListObjectsV2Command({ Bucket: "empty-bucket" }));
    expect(listing.KeyCount ?? 0).toBe(0);
  });

  it("asks for --version when the file name does not carry one, and refuses a missing file", async () => {
    const unnamed = join(tempDir(), "appliance.iso");
    writeFileSync(unnamed, "x");
    const noVersion = await runCli("iso-publish", ["--file", unnamed], { env: s3.env("empty-bucket") });
    expect(noVersion.code).toBe(2);
    expect(noVersion.stderr).toContain("cannot tell the version from the file name; pass --version V");
    const missing = await runCli("iso-publish", ["--file", join(tempDir(), "alga-appliance-ubuntu-1.0.0.iso")], { env: s3.env("empty-bucket") });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no such file; nothing was uploaded");
  });

  it("names the credentials as the fix when the store refuses the key", async () => {
    const iso = isoFile("1.0.3", 1024);
    const result = await runCli("iso-publish", ["--file", iso.path], { env: { ...s3.env("empty-bucket"), OBJECT_STORE_ACCESS_KEY: "WRONG" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/listing s3:\/\/empty-bucket\/appliance\/ at http:\/\/127\.0\.0\.1:\d+ failed: InvalidAccessKeyId \(HTTP 403\)/);
    expect(result.stderr).toContain("fix: check OBJECT_STORE_ACCESS_KEY/OBJECT_STORE_SECRET_KEY");
    // Checked before the (possibly multi-GB) file is hashed.
    expect(result.stderr).not.toContain("hashing");
  });

  it("leaves the current key untouched when the upload is killed midway", async () => {
    const first = isoFile("2.0.0", 256 * 1024);
    expect((await publish(first.path, s3.env(BUCKET))).code).toBe(0);
    const second = isoFile("2.0.1", 60 * 1024 * 1024);
    const script = join(PROJECT_ROOT, "src", "cli", "iso-publish.ts");
    const loader = pathToFileURL(join(PROJECT_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
    const child = spawn(process.execPath, ["--import", loader, script, "--file", second.path, "--part-size-mib", "5"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...s3.env(BUCKET) },
    });
    let stderr = "";
    const killed = new Promise<string | null>((resolve) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        // The first progress line: parts are on their way, the versioned upload is not complete.
        if (/appliance\/2\.0\.1\/alga-appliance\.iso: \d+%/.test(stderr)) child.kill("SIGKILL");
      });
      child.on("close", (_code, signal) => resolve(signal));
    });
    expect(await killed, stderr).toBe("SIGKILL");
    expect(stderr).not.toContain("settling");
    // SIGKILL cannot be handled: the upload stays incomplete until the store's own expiry of stale
    // uploads (README: the in-cluster MinIO is set to 24 h; an S3 bucket gets an abort rule).
    expect(s3.incompleteUploads(BUCKET).map((upload) => upload.key)).toContain("appliance/2.0.1/alga-appliance.iso");
    expect(sha256(await objectBytes(CURRENT))).toBe(sha256(first.data));
    expect((await objectBytes(`${CURRENT}.sha256`)).toString()).toBe(`${sha256(first.data)}  alga-appliance.iso\n`);
    expect(await exists("appliance/2.0.1/alga-appliance.iso")).toBe(false);
  });

  it("sends a SHA-256 checksum with every part, and a part corrupted on the way fails the publish before the current key moves", async () => {
    const first = isoFile("3.0.0", 128 * 1024);
    expect((await publish(first.path, s3.env(BUCKET))).code).toBe(0);

    // A proxy in front of the store that records each part's checksum header and flips one byte of part 2.
    const parts: { header: string | undefined; actual: string }[] = [];
    const proxy = await startLocalServer(async (request, response, body) => {
      const url = new URL(request.url ?? "/", "http://x");
      let forwarded = body;
      if (request.method === "PUT" && url.searchParams.has("partNumber")) {
        parts.push({ header: request.headers["x-amz-checksum-sha256"] as string | undefined, actual: createHash("sha256").update(body).digest("base64") });
        if (url.searchParams.get("partNumber") === "2") {
          forwarded = Buffer.from(body);
          forwarded[100] = forwarded[100]! ^ 0xff;
        }
      }
      const headers = { ...request.headers };
      delete headers["expect"];
      await new Promise<void>((resolve, reject) => {
        const upstream = httpRequest({ host: "127.0.0.1", port: s3.port, method: request.method, path: request.url, headers }, (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
          answer.on("end", resolve);
        });
        upstream.on("error", reject);
        upstream.end(forwarded);
      });
    });
    try {
      const second = isoFile("3.0.1", 12 * 1024 * 1024);
      const result = await publish(second.path, { ...s3.env(BUCKET), OBJECT_STORE_ENDPOINT: proxy.url });
      expect(parts.length).toBe(3);
      for (const part of parts) expect(part.header).toBe(part.actual);
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout).error).toMatch(/is not the ISO .*the current key was not changed/);
      expect(sha256(await objectBytes(CURRENT))).toBe(sha256(first.data));
    } finally {
      await proxy.close();
    }
  });

  it("names an unreachable store and a bodiless refusal by their codes and fixes, before hashing, never UnknownError", async () => {
    const iso = isoFile("4.0.0", 1024);
    const closed = await startLocalServer(() => undefined);
    const closedUrl = closed.url;
    await closed.close();
    const unreachable = await runCli("iso-publish", ["--file", iso.path], { env: { ...s3.env("empty-bucket"), OBJECT_STORE_ENDPOINT: closedUrl } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("failed: ECONNREFUSED");
    expect(unreachable.stderr).toContain(`fix: the store is unreachable: check OBJECT_STORE_ENDPOINT (now ${closedUrl})`);
    expect(unreachable.stderr).not.toContain("hashing");

    // A gateway in front of the store that refuses with a bare 403 (no S3 error document).
    const gateway = await startS3Proxy(s3.port, () => ({ status: 403 }));
    try {
      const refused = await runCli("iso-publish", ["--file", iso.path], { env: { ...s3.env("empty-bucket"), OBJECT_STORE_ENDPOINT: gateway.url } });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("failed: AccessDenied (HTTP 403)");
      expect(refused.stderr).toContain("fix: check OBJECT_STORE_ACCESS_KEY/OBJECT_STORE_SECRET_KEY");
      expect(refused.stderr).not.toContain("UnknownError");
      expect(refused.stderr).not.toContain("hashing");
    } finally {
      await gateway.close();
    }
  });

  it("refuses an APPLIANCE_ISO_KEY outside a prefix before uploading anything", async () => {
    const bucket = await freshBucket();
    const iso = isoFile("4.1.0", 1024);
    const result = await runCli("iso-publish", ["--file", iso.path], { env: s3.env(bucket, "alga-appliance.iso") });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('APPLIANCE_ISO_KEY "alga-appliance.iso" is not under a prefix; the ISO policies would cover the whole bucket');
    expect(result.stderr).toContain("fix: export APPLIANCE_ISO_KEY=appliance/current/alga-appliance.iso");
    expect((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0).toBe(0);
  });

  it("keeps a version immutable: the same bytes upload nothing, other bytes are refused, --replace overwrites", async () => {
    const bucket = await freshBucket();
    const iso = isoFile("5.0.0", 64 * 1024);
    expect((await publish(iso.path, s3.env(bucket))).code).toBe(0);
    const recorder = await startS3Proxy(s3.port);
    try {
      const env = { ...s3.env(bucket), OBJECT_STORE_ENDPOINT: recorder.url };
      const again = await publish(iso.path, env);
      expect(again.code, again.stdout).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ upload: "unchanged", isCurrent: true, current: { version: "5.0.0", sha256: sha256(iso.data) } });
      expect(recorder.exchanges.filter((exchange) => exchange.method === "PUT" && exchange.url.startsWith(`/${bucket}/appliance/5.0.0/alga-appliance.iso?`) || exchange.url === `/${bucket}/appliance/5.0.0/alga-appliance.iso`).filter((exchange) => exchange.method === "PUT")).toEqual([]);

      const other = randomBytes(64 * 1024);
      writeFileSync(iso.path, other);
      const refused = await publish(iso.path, env);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout).error).toMatch(
        /appliance\/5\.0\.0\/alga-appliance\.iso already holds other bytes .* a published version is immutable: publish a new version, or pass --replace/,
      );
      expect(sha256(await objectBytes(CURRENT, bucket))).toBe(sha256(iso.data));

      const replaced = await publish(iso.path, env, ["--replace"]);
      expect(replaced.code, replaced.stdout).toBe(0);
      expect(JSON.parse(replaced.stdout)).toMatchObject({ upload: "replaced", isCurrent: true, current: { version: "5.0.0", sha256: sha256(other) } });
      expect(sha256(await objectBytes(CURRENT, bucket))).toBe(sha256(other));
      expect((await objectBytes(`${CURRENT}.sha256`, bucket)).toString()).toBe(`${sha256(other)}  alga-appliance.iso\n`);
    } finally {
      await recorder.close();
    }
  });

  it("never makes an older version current; --rollback goes back and withdraws the newer one for good", async () => {
    const bucket = await freshBucket();
    const newer = isoFile("6.0.1", 32 * 1024);
    const older = isoFile("6.0.0", 32 * 1024);
    expect((await publish(newer.path, s3.env(bucket))).code).toBe(0);
    const late = await publish(older.path, s3.env(bucket));
    expect(late.code, late.stdout).toBe(0);
    const report = JSON.parse(late.stdout);
    expect(report).toMatchObject({ isCurrent: false, current: { version: "6.0.1", sha256: sha256(newer.data) }, urlKey: "appliance/6.0.0/alga-appliance.iso" });
    // The URL printed for the older run serves the older ISO, from its versioned key.
    expect(sha256(new Uint8Array(await (await fetch(report.url)).arrayBuffer()))).toBe(sha256(older.data));
    expect(sha256(await objectBytes(CURRENT, bucket))).toBe(sha256(newer.data));

    const rollback = await publish(older.path, s3.env(bucket), ["--rollback"]);
    expect(rollback.code, rollback.stdout).toBe(0);
    expect(JSON.parse(rollback.stdout)).toMatchObject({ upload: "unchanged", isCurrent: true, withdrew: ["6.0.1"], current: { version: "6.0.0" } });
    expect(sha256(await objectBytes(CURRENT, bucket))).toBe(sha256(older.data));
    expect(await exists("appliance/6.0.1/alga-appliance.iso.withdrawn", bucket)).toBe(true);

    const reinstated = await publish(newer.path, s3.env(bucket));
    expect(reinstated.code).toBe(1);
    expect(JSON.parse(reinstated.stdout).error).toContain("version 6.0.1 was withdrawn by a --rollback and never becomes current again; publish a new version");
    const next = isoFile("6.0.2", 32 * 1024);
    expect(JSON.parse((await publish(next.path, s3.env(bucket))).stdout)).toMatchObject({ isCurrent: true, current: { version: "6.0.2" } });
  });

  it("fails, naming the reason, when the store drops the retention tag, and leaves the current key alone", async () => {
    const bucket = await freshBucket();
    const first = isoFile("7.0.0", 16 * 1024);
    expect((await publish(first.path, s3.env(bucket))).code).toBe(0);
    // A store that accepts tags and keeps none of them.
    const forgetful = await startS3Proxy(s3.port, (request) =>
      request.method === "PUT" && /[?&]tagging/.test(request.url) ? { status: 200 } : { forward: true },
    );
    try {
      const second = isoFile("7.0.1", 16 * 1024);
      const result = await publish(second.path, { ...s3.env(bucket), OBJECT_STORE_ENDPOINT: forgetful.url });
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout).error).toContain(
        "appliance/7.0.1/alga-appliance.iso: the store dropped the retention tag alga-iso-retention=expire (read back after tagging), so the lifecycle rule could never expire this version; nothing was made current",
      );
      expect(sha256(await objectBytes(CURRENT, bucket))).toBe(sha256(first.data));
      expect(await exists("appliance/7.0.1/alga-appliance.iso.sha256", bucket)).toBe(false);
    } finally {
      await forgetful.close();
    }
  });

  it("publishes with a key that may list only the prefix, which the store answers 403 (not 404) for missing keys", async () => {
    // AWS S3, radosgw and MinIO answer a HEAD or GET of a missing key with 403 AccessDenied when the
    // key lacks unconditional s3:ListBucket, as the stack's publisher key does (found on radosgw).
    const bucket = await freshBucket();
    const strict = await startS3Proxy(s3.port, async (request) => {
      const [path, query = ""] = request.url.split("?");
      const key = decodeURIComponent(path!.slice(`/${bucket}/`.length));
      if (!["GET", "HEAD"].includes(request.method) || !path!.startsWith(`/${bucket}/`) || key === "" || query.includes("tagging")) return { forward: true };
      return (await exists(key, bucket)) ? { forward: true } : { status: 403, body: request.method === "HEAD" ? "" : "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>" };
    });
    try {
      const iso = isoFile("8.1.0", 16 * 1024);
      const result = await publish(iso.path, { ...s3.env(bucket), OBJECT_STORE_ENDPOINT: strict.url });
      expect(result.code, result.stdout).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ upload: "uploaded", isCurrent: true, current: { version: "8.1.0", sha256: sha256(iso.data) } });
    } finally {
      await strict.close();
    }
  });

  it("takes the retention tag off the current key when the store copies it along with the bytes", async () => {
    // radosgw 16 ignores the copy's TaggingDirective REPLACE and copies the versioned ISO's tags: the
    // lifecycle rule would then expire the current key. This proxy copies tags the same way.
    const bucket = await freshBucket();
    const copyingTags = await startS3Proxy(s3.port, async (request) => {
      const source = request.headers["x-amz-copy-source"];
      if (request.method !== "PUT" || typeof source !== "string" || !request.url.startsWith(`/${bucket}/${CURRENT}`)) return { forward: true };
      const sourceKey = decodeURIComponent(source).slice(`${bucket}/`.length);
      const copied = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: CURRENT, CopySource: `${bucket}/${sourceKey}`, MetadataDirective: "COPY" }));
      const { TagSet } = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: sourceKey }));
      await client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: CURRENT, Tagging: { TagSet: TagSet ?? [] } }));
      return { status: 200, body: `<CopyObjectResult><ETag>${copied.CopyObjectResult?.ETag ?? ""}</ETag><LastModified>${new Date().toISOString()}</LastModified></CopyObjectResult>` };
    });
    try {
      const iso = isoFile("8.2.0", 16 * 1024);
      const result = await publish(iso.path, { ...s3.env(bucket), OBJECT_STORE_ENDPOINT: copyingTags.url });
      expect(result.code, result.stdout).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ isCurrent: true, current: { version: "8.2.0" } });
      expect((await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: CURRENT }))).TagSet ?? []).toEqual([]);
      expect((await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "appliance/8.2.0/alga-appliance.iso" }))).TagSet).toEqual([{ Key: "alga-iso-retention", Value: "expire" }]);
    } finally {
      await copyingTags.close();
    }
  });

  it("signs the URL with the read-only key when one is given, and shows progress with rate and ETA in a log", async () => {
    const bucket = await freshBucket();
    const iso = isoFile("8.0.0", 12 * 1024 * 1024);
    const result = await runCli("iso-publish", ["--file", iso.path, "--part-size-mib", "5"], {
      env: { ...s3.env(bucket), OBJECT_STORE_READ_ACCESS_KEY: READER_CREDENTIALS.accessKeyId, OBJECT_STORE_READ_SECRET_KEY: READER_CREDENTIALS.secretAccessKey },
    });
    expect(result.code, result.stderr).toBe(0);
    const url = result.stdout.trim().split("\n").at(-1)!;
    expect(new URL(url).searchParams.get("X-Amz-Credential")).toMatch(/^ISOREADER\//);
    expect(url).not.toContain("S3RVER");
    expect(result.stdout).toContain("signed with key ISOREADER");
    expect(sha256(new Uint8Array(await (await fetch(url)).arrayBuffer()))).toBe(sha256(iso.data));
    // Not a terminal: plain lines, one per tenth at most, each with bytes, rate and ETA.
    const lines = result.stderr.split("\n").filter((line) => line.startsWith("appliance/8.0.0/alga-appliance.iso: "));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^appliance\/8\.0\.0\/alga-appliance\.iso: \d+% \([\d.]+ MiB of 12\.0 MiB, [\d.]+ \w+\/s, ETA [\d:-]+\)$/);
    expect(result.stderr).not.toContain("\r");

    const half = await runCli("iso-publish", ["--file", iso.path], { env: { ...s3.env(bucket), OBJECT_STORE_READ_ACCESS_KEY: READER_CREDENTIALS.accessKeyId } });
    expect(half.code).toBe(1);
    expect(half.stderr).toContain("OBJECT_STORE_READ_SECRET_KEY is not set, but its pair is");
  });
});
