import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
  type LifecycleRule,
} from "@aws-sdk/client-s3";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, spawnCli } from "../support/run-cli.js";
import { startRadosgw, type RadosgwServer, type S3Credentials } from "../support/radosgw-server.js";
import { RequestSequencer, startS3Proxy, type ProxiedExchange, type ProxiedS3Request } from "../support/s3-proxy.js";
import { tempDir } from "../support/temp-dir.js";

// Issue 16's proof on a real S3 implementation: Debian's radosgw (Ceph 16) on a throw-away
// single-node cluster on 127.0.0.1 (test/support/radosgw-server.ts). Not part of `npm test`: run
// with `npm run test:radosgw` (README, "ISO publishing on radosgw"). The same scenarios as the
// s3rver tests where a real store can answer differently: conditional writes, tags, multipart
// listing and abort, error codes, lifecycle rules and IAM policies.
const CURRENT = "appliance/current/alga-appliance.iso";
const INTERLEAVINGS = 20;
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

let rgw: RadosgwServer;
let client: S3Client;

const s3Client = (credentials: S3Credentials, endpoint = rgw.endpoint) =>
  new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });

beforeAll(async () => {
  rgw = await startRadosgw();
  process.stderr.write(`radosgw test cluster: S3 answering ${(rgw.startupMs / 1000).toFixed(1)} s after the first daemon started (load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")})\n`);
  client = s3Client(rgw.owner);
}, 240_000);
afterAll(async () => {
  client?.destroy();
  await rgw?.close();
}, 60_000);

function isoFile(version: string, bytes: number): { path: string; data: Buffer } {
  const data = randomBytes(bytes);
  const path = join(tempDir(), `alga-appliance-ubuntu-${version}.iso`);
  writeFileSync(path, data);
  return { path, data };
}

let buckets = 0;
async function freshBucket(name = `rgw-${++buckets}`): Promise<string> {
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

async function objectBytes(bucket: string, key: string): Promise<Buffer> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

/** What radosgw itself lists as incomplete multipart uploads under the ISO prefix. */
async function incompleteUploads(bucket: string): Promise<string[]> {
  const answer = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "appliance/" }));
  return (answer.Uploads ?? []).map((upload) => upload.Key!);
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => ({ name: "no error", status: 200 }),
    (error: { name: string; $metadata?: { httpStatusCode?: number } }) => ({ name: error.name, status: error.$metadata?.httpStatusCode }),
  );

function publish(file: string, env: Record<string, string>, extra: string[] = []) {
  return runCli("iso-publish", ["--file", file, "--part-size-mib", "5", "--json", ...extra], { env });
}

describe("what radosgw answers where stores differ (the publish depends on each)", () => {
  it("refuses a PUT with If-None-Match: * onto an existing key, but ignores If-None-Match and If-Match on CopyObject", async () => {
    const bucket = await freshBucket();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "appliance/x", Body: "one" }));
    expect(await failureOf(client.send(new PutObjectCommand({ Bucket: bucket, Key: "appliance/x", Body: "two", IfNoneMatch: "*" })))).toEqual({ name: "PreconditionFailed", status: 412 });
    // The copy iso-publish probes with: radosgw takes it, so the publish must not rely on preconditions (re-check and converge).
    const copy = { Bucket: bucket, Key: "appliance/x", CopySource: `${bucket}/appliance/x`, MetadataDirective: "REPLACE" as const };
    expect(await failureOf(client.send(new CopyObjectCommand({ ...copy, IfNoneMatch: "*" })))).toEqual({ name: "no error", status: 200 });
    expect(await failureOf(client.send(new CopyObjectCommand({ ...copy, IfMatch: '"0123456789abcdef0123456789abcdef"' })))).toEqual({ name: "no error", status: 200 });
    // And on PUT it compares If-Match with the ETag unquoted: the quoted ETag it handed out fails its own check.
    const { ETag } = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "appliance/x" }));
    expect(await failureOf(client.send(new PutObjectCommand({ Bucket: bucket, Key: "appliance/x", Body: "three", IfMatch: ETag })))).toEqual({ name: "PreconditionFailed", status: 412 });
  });

  it("drops the tags sent with CreateMultipartUpload and does not answer part checksums, but keeps tags put afterwards", async () => {
    const bucket = await freshBucket();
    const key = "appliance/m.iso";
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, Tagging: "alga-iso-retention=expire", ChecksumAlgorithm: "SHA256" }));
    const part = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 1), ChecksumAlgorithm: "SHA256" }));
    expect(part.ChecksumSHA256).toBeUndefined();
    expect(await incompleteUploads(bucket)).toEqual([key]);
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect((await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet ?? []).toEqual([]);
    await client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet: [{ Key: "alga-iso-retention", Value: "expire" }] } }));
    expect((await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet).toEqual([{ Key: "alga-iso-retention", Value: "expire" }]);
  });
});

describe("npm run iso-publish on radosgw", { timeout: 240_000 }, () => {
  it("publishes end to end: re-check mode, the retention tag put back after the multipart upload dropped it, a URL that serves the ISO", async () => {
    const bucket = await freshBucket();
    const recorder = await startS3Proxy(rgw.port);
    try {
      const iso = isoFile("1.0.0", 12 * 1024 * 1024 + 321); // three parts of 5 MiB
      const result = await publish(iso.path, { ...rgw.env(bucket), OBJECT_STORE_ENDPOINT: recorder.url });
      expect(result.code, result.stderr + result.stdout).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report).toMatchObject({
        upload: "uploaded",
        isCurrent: true,
        current: { version: "1.0.0", sha256: sha256(iso.data) },
        // The probe's copy with If-None-Match: * went through (radosgw ignores it on copies).
        concurrencyControl: "re-check",
      });
      const probe = recorder.exchanges.find((exchange) => exchange.method === "PUT" && exchange.headers["if-none-match"] === "*" && exchange.headers["x-amz-copy-source"]);
      expect(probe?.status).toBe(200);
      // No write to the current key carried a precondition: the re-check path ran.
      expect(recorder.exchanges.filter((exchange) => exchange.url.split("?")[0] === `/${bucket}/${CURRENT}` && (exchange.headers["if-match"] || exchange.headers["if-none-match"]))).toEqual([]);
      // The tags sent with the multipart upload did not stick; the publish put them again and read them back.
      const versioned = "appliance/1.0.0/alga-appliance.iso";
      expect(recorder.exchanges.some((exchange) => exchange.method === "PUT" && exchange.url.startsWith(`/${bucket}/${versioned}?tagging`) && exchange.status === 200)).toBe(true);
      expect((await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: versioned }))).TagSet).toEqual([{ Key: "alga-iso-retention", Value: "expire" }]);
      // radosgw copied that tag onto the current key with the bytes (it ignores TaggingDirective REPLACE);
      // the publish took it off again, so the lifecycle rule never expires the current ISO.
      expect(recorder.exchanges.some((exchange) => exchange.method === "PUT" && exchange.url.startsWith(`/${bucket}/${CURRENT}?tagging`) && exchange.status === 200)).toBe(true);
      expect((await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: CURRENT }))).TagSet ?? []).toEqual([]);
      expect(sha256(await objectBytes(bucket, CURRENT))).toBe(sha256(iso.data));
      expect((await objectBytes(bucket, `${CURRENT}.sha256`)).toString()).toBe(`${sha256(iso.data)}  alga-appliance.iso\n`);
      // radosgw checks the presigned URL's signature (s3rver does not): the download is the proof.
      expect(new URL(report.url).host).toBe(new URL(recorder.url).host);
      const download = await fetch(report.url);
      expect(download.status).toBe(200);
      expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(iso.data));
      expect(await incompleteUploads(bucket)).toEqual([]);
    } finally {
      await recorder.close();
    }
  });

  it("keeps a version immutable: the same bytes upload nothing, other bytes are refused, --replace overwrites", async () => {
    const bucket = await freshBucket();
    const iso = isoFile("2.0.0", 64 * 1024);
    expect((await publish(iso.path, rgw.env(bucket))).code).toBe(0);
    const recorder = await startS3Proxy(rgw.port);
    try {
      const env = { ...rgw.env(bucket), OBJECT_STORE_ENDPOINT: recorder.url };
      const again = await publish(iso.path, env);
      expect(again.code, again.stdout).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ upload: "unchanged", isCurrent: true });
      const writesToVersion = (exchanges: ProxiedExchange[]) => exchanges.filter((exchange) => exchange.method === "PUT" && exchange.url.split("?")[0] === `/${bucket}/appliance/2.0.0/alga-appliance.iso` && !exchange.url.includes("tagging"));
      expect(writesToVersion(recorder.exchanges)).toEqual([]);

      const other = randomBytes(64 * 1024);
      writeFileSync(iso.path, other);
      const refused = await publish(iso.path, env);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout).error).toMatch(/appliance\/2\.0\.0\/alga-appliance\.iso already holds other bytes .* a published version is immutable/);
      expect(sha256(await objectBytes(bucket, CURRENT))).toBe(sha256(iso.data));

      const replaced = await publish(iso.path, env, ["--replace"]);
      expect(replaced.code, replaced.stdout).toBe(0);
      expect(JSON.parse(replaced.stdout)).toMatchObject({ upload: "replaced", isCurrent: true, current: { version: "2.0.0", sha256: sha256(other) } });
      expect(sha256(await objectBytes(bucket, CURRENT))).toBe(sha256(other));
      expect((await objectBytes(bucket, `${CURRENT}.sha256`)).toString()).toBe(`${sha256(other)}  alga-appliance.iso\n`);
    } finally {
      await recorder.close();
    }
  });

  it("names radosgw's own error codes with the fix, before hashing: wrong secret, unknown key", async () => {
    const bucket = await freshBucket();
    const iso = isoFile("3.0.0", 1024);
    const wrongSecret = await runCli("iso-publish", ["--file", iso.path], { env: { ...rgw.env(bucket), OBJECT_STORE_SECRET_KEY: "not-the-secret" } });
    expect(wrongSecret.code).toBe(1);
    expect(wrongSecret.stderr).toMatch(/listing s3:\/\/rgw-\d+\/appliance\/ at http:\/\/127\.0\.0\.1:\d+ failed: SignatureDoesNotMatch \(HTTP 403\)/);
    expect(wrongSecret.stderr).toContain("fix: check OBJECT_STORE_ACCESS_KEY/OBJECT_STORE_SECRET_KEY");
    expect(wrongSecret.stderr).not.toContain("hashing");
    const unknownKey = await runCli("iso-publish", ["--file", iso.path], { env: { ...rgw.env(bucket), OBJECT_STORE_ACCESS_KEY: "NOSUCHKEY" } });
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr).toMatch(/failed: InvalidAccessKeyId \(HTTP 403\)/);
    expect(unknownKey.stderr).not.toContain("UnknownError");
    const noBucket = await runCli("iso-publish", ["--file", iso.path], { env: rgw.env("no-such-bucket") });
    expect(noBucket.code).toBe(1);
    expect(noBucket.stderr).toContain("failed: NoSuchBucket (HTTP 404)");
    expect(noBucket.stderr).toContain("fix: the bucket does not exist");
  });
});

describe("no incomplete multipart upload left on radosgw", { timeout: 240_000 }, () => {
  const isLaterPart = (request: ProxiedS3Request) => request.method === "PUT" && /[?&]partNumber=([2-9]|\d\d)/.test(request.url);

  it("SIGTERM of a real iso-publish process mid-upload aborts the upload; radosgw lists none afterwards", async () => {
    const bucket = await freshBucket();
    const first = isoFile("4.0.0", 64 * 1024);
    expect((await publish(first.path, rgw.env(bucket))).code).toBe(0);

    let heldSecondPart!: () => void;
    const secondPartHeld = new Promise<void>((resolve) => (heldSecondPart = resolve));
    let release!: () => void;
    const released = new Promise<{ forward: true }>((resolve) => (release = () => resolve({ forward: true })));
    // Later parts wait until the process took the signal: the upload cannot finish before it.
    const proxy = await startS3Proxy(rgw.port, (request) => (isLaterPart(request) ? (heldSecondPart(), released) : { forward: true }));
    try {
      const second = isoFile("4.0.1", 12 * 1024 * 1024);
      const { child, done } = spawnCli("iso-publish", ["--file", second.path, "--part-size-mib", "5"], { env: { ...rgw.env(bucket), OBJECT_STORE_ENDPOINT: proxy.url } });
      await secondPartHeld;
      expect(await incompleteUploads(bucket)).toEqual(["appliance/4.0.1/alga-appliance.iso"]);
      let said = "";
      child.stderr.on("data", (chunk: Buffer) => {
        said += chunk.toString();
        if (said.includes("SIGTERM: aborting the upload")) release();
      });
      child.kill("SIGTERM");
      const result = await done;
      expect(result.code, result.stderr).toBe(143);
      expect(result.stderr).toContain("interrupted by SIGTERM: the upload was aborted on the store");
      expect(proxy.exchanges.some((exchange) => exchange.method === "DELETE" && /[?&]uploadId=/.test(exchange.url) && exchange.status === 204)).toBe(true);
      expect(await incompleteUploads(bucket)).toEqual([]);
      expect(sha256(await objectBytes(bucket, CURRENT))).toBe(sha256(first.data));
    } finally {
      await proxy.close();
    }
  });

  it("a part changed on the way is refused by radosgw (its payload hash), named, and the upload aborted", async () => {
    const bucket = await freshBucket();
    const proxy = await startS3Proxy(rgw.port, (request) => {
      if (!isLaterPart(request)) return { forward: true };
      const body = Buffer.from(request.body);
      body[100] = body[100]! ^ 0xff;
      return { forward: true, body };
    });
    try {
      const iso = isoFile("5.0.0", 12 * 1024 * 1024);
      const result = await publish(iso.path, { ...rgw.env(bucket), OBJECT_STORE_ENDPOINT: proxy.url });
      expect(result.code).toBe(1);
      const error = JSON.parse(result.stdout).error as string;
      expect(error).toMatch(/uploading s3:\/\/rgw-\d+\/appliance\/5\.0\.0\/alga-appliance\.iso at .* failed: XAmzContentSHA256Mismatch \(HTTP 400\)/);
      expect(await incompleteUploads(bucket)).toEqual([]);
      expect((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "appliance/5.0.0/" }))).KeyCount ?? 0).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});

/** Versions the successful copies to the current key made current, in the order radosgw took them. */
function copiesToCurrent(exchanges: readonly ProxiedExchange[]): string[] {
  return exchanges
    .filter((exchange) => exchange.method === "PUT" && exchange.url.split("?")[0]!.endsWith(CURRENT) && exchange.headers["x-amz-copy-source"] && exchange.status === 200)
    .map((exchange) => /appliance\/([^/]+)\//.exec(decodeURIComponent(String(exchange.headers["x-amz-copy-source"])))![1]!);
}

describe("two concurrent publishes on radosgw (no conditional copies: re-check and converge)", { timeout: 240_000 }, () => {
  const dir = tempDir();
  const isos = Object.fromEntries(
    ["1.0.0", "1.0.1"].map((version) => {
      const data = randomBytes(64 * 1024);
      const path = join(dir, `alga-appliance-ubuntu-${version}.iso`);
      writeFileSync(path, data);
      return [version, { path, sha256: sha256(data) }];
    }),
  ) as Record<"1.0.0" | "1.0.1", { path: string; sha256: string }>;
  const orders: string[] = [];
  let wentBackThenForward = 0;

  it.each(Array.from({ length: INTERLEAVINGS }, (_, seed) => seed + 1))("interleaving %i: the current key ends at 1.0.1 and each run reports it truly", async (seed) => {
    const bucket = await freshBucket(`race-${seed}`);
    const sequencer = new RequestSequencer(["publish-1.0.0", "publish-1.0.1"], seed);
    const proxy = await startS3Proxy(rgw.port, sequencer.rule, () => sequencer.answered());
    try {
      const ended: string[] = [];
      const [older, newer] = await Promise.all(
        (["1.0.0", "1.0.1"] as const).map((version) => {
          const id = `publish-${version}`;
          const { done } = spawnCli("iso-publish", ["--file", isos[version].path, "--json"], { env: { ...rgw.env(bucket), OBJECT_STORE_ENDPOINT: proxy.url, AWS_SDK_UA_APP_ID: id } });
          return done.then((result) => {
            ended.push(version);
            sequencer.ended(id);
            return result;
          });
        }),
      );
      expect(older!.code, older!.stdout + older!.stderr).toBe(0);
      expect(newer!.code, newer!.stdout + newer!.stderr).toBe(0);
      orders.push(sequencer.order.map((id) => id.slice(-1)).join(""));

      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: CURRENT }));
      expect(head.Metadata).toMatchObject({ "alga-iso-version": "1.0.1", sha256: isos["1.0.1"].sha256 });
      expect((await objectBytes(bucket, `${CURRENT}.sha256`)).toString()).toBe(`${isos["1.0.1"].sha256}  alga-appliance.iso\n`);
      expect(sha256(await objectBytes(bucket, CURRENT))).toBe(isos["1.0.1"].sha256);

      const newerReport = JSON.parse(newer!.stdout);
      const olderReport = JSON.parse(older!.stdout);
      expect(newerReport).toMatchObject({ concurrencyControl: "re-check", isCurrent: true, current: { version: "1.0.1", sha256: isos["1.0.1"].sha256 } });
      if (olderReport.current.version === "1.0.1") expect(olderReport).toMatchObject({ isCurrent: false, urlKey: "appliance/1.0.0/alga-appliance.iso" });
      else {
        expect(olderReport).toMatchObject({ isCurrent: true, current: { version: "1.0.0" } });
        expect(ended).toEqual(["1.0.0", "1.0.1"]);
      }
      const copies = copiesToCurrent(proxy.exchanges);
      if (copies.some((version, index) => version === "1.0.0" && copies.slice(0, index).includes("1.0.1"))) wentBackThenForward++;
    } finally {
      await proxy.close();
    }
  });

  it("the seeds drew different interleavings", () => {
    expect(orders).toHaveLength(INTERLEAVINGS);
    expect(new Set(orders).size).toBeGreaterThanOrEqual(INTERLEAVINGS / 2);
    process.stderr.write(`radosgw race: ${new Set(orders).size} distinct interleavings of ${INTERLEAVINGS}; ${wentBackThenForward} had the key briefly go back to 1.0.0 before converging\n`);
  });
});

// --- The vendor stack's rendered documents, applied to radosgw -------------------------------------

const PROJECT = "alga-appliance-vendor";
interface Registered {
  readonly type: string;
  readonly inputs: Record<string, any>;
}

/** Runs the real vendor program (src/infra) under Pulumi's mocks with the in-cluster example config, and returns what it declared. */
async function renderVendorStack(): Promise<Registered[]> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.type === "minio:index/iamUser:IamUser" ? { ...args.inputs, secret: "generated" } : args.inputs };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    "radosgw",
    false,
  );
  const config = parse(readFileSync("Pulumi.example-in-cluster.yaml", "utf8")).config as Record<string, unknown>;
  const secrets = { databasePassword: "db", signingKey: "-----BEGIN PRIVATE KEY-----x", objectStoreAdminUser: "root", objectStoreAdminPassword: "root-password" };
  const all: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) all[key] = typeof value === "string" ? value : JSON.stringify(value);
  for (const [key, value] of Object.entries(secrets)) all[`${PROJECT}:${key}`] = value;
  pulumi.runtime.setAllConfig(all, Object.keys(secrets).map((key) => `${PROJECT}:${key}`));
  const program = await import("../../src/infra/program.js");
  const outputs = program.runVendorProgram(new pulumi.Config());
  await Promise.all(outputs.resources.map((resource) => new Promise((resolve) => resource.urn.apply(resolve))));
  return registered;
}

/**
 * The S3 lifecycle rule the MinIO provider's IlmPolicy stands for (it sends PutBucketLifecycleConfiguration):
 * `filter` is the prefix, `tags` the tag filter, `expiration` "<n>d".
 */
function lifecycleRuleOf(rule: { id: string; status: string; filter: string; tags: Record<string, string>; expiration: string }): LifecycleRule {
  return {
    ID: rule.id,
    Status: rule.status as "Enabled",
    Filter: { And: { Prefix: rule.filter, Tags: Object.entries(rule.tags).map(([Key, Value]) => ({ Key, Value })) } },
    Expiration: { Days: Number(/^(\d+)d$/.exec(rule.expiration)![1]) },
  };
}

/** The rule the README asks an S3 bucket's owner to add (MinIO cannot express it). */
const README_ABORT_RULE = JSON.parse(/`(\{"ID":"abort-incomplete-isos".*?\})`/.exec(readFileSync("README.md", "utf8"))![1]!) as LifecycleRule;

describe("the vendor stack's lifecycle rules and IAM policies hold on radosgw", { timeout: 240_000 }, () => {
  let registered: Registered[];
  let bucket: string;
  beforeAll(async () => {
    registered = await renderVendorStack();
    const bucketInput = registered.find((resource) => resource.type === "minio:index/s3Bucket:S3Bucket")!.inputs["bucket"] as string;
    bucket = await freshBucket(bucketInput);
  });
  const policy = (name: string) => registered.find((resource) => resource.type === "minio:index/iamPolicy:IamPolicy" && resource.inputs["name"] === name)!.inputs["policy"] as string;

  it("takes the expiry rule the stack renders and the README's abort-incomplete-uploads rule, and reads both back", async () => {
    const ilm = registered.find((resource) => resource.type === "minio:index/ilmPolicy:IlmPolicy")!.inputs["rules"][0];
    const rules = [lifecycleRuleOf(ilm), README_ABORT_RULE];
    await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: rules } }));
    const readBack = (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
    expect(readBack).toHaveLength(2);
    expect(readBack.find((rule) => rule.ID === "abort-incomplete-isos")).toEqual({
      ID: "abort-incomplete-isos",
      Status: "Enabled",
      Filter: { Prefix: "appliance/" },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    });
    // radosgw writes a one-tag And back as Prefix + Tag: the same rule.
    expect(readBack.find((rule) => rule.ID === "expire-old-isos")).toEqual({
      ID: "expire-old-isos",
      Status: "Enabled",
      Filter: { Prefix: "appliance/", Tag: { Key: "alga-iso-retention", Value: "expire" } },
      Expiration: { Days: 180 },
    });
  });

  it("the license service's key reads appliance/* and nothing else; a URL it signs serves the ISO", async () => {
    const reader = await rgw.createUser("alga-license-iso-reader");
    await rgw.putUserPolicy("alga-license-iso-reader", "alga-license-iso-read-only", policy("alga-license-iso-read-only"));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "appliance/current/alga-appliance.iso", Body: "iso" }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "private/notes.txt", Body: "not for the license service" }));
    const asReader = s3Client(reader);
    try {
      expect(await failureOf(asReader.send(new GetObjectCommand({ Bucket: bucket, Key: "appliance/current/alga-appliance.iso" })))).toEqual({ name: "no error", status: 200 });
      expect(await failureOf(asReader.send(new GetObjectCommand({ Bucket: bucket, Key: "private/notes.txt" })))).toEqual({ name: "AccessDenied", status: 403 });
      expect(await failureOf(asReader.send(new PutObjectCommand({ Bucket: bucket, Key: "appliance/current/alga-appliance.iso", Body: "x" })))).toEqual({ name: "AccessDenied", status: 403 });
      expect(await failureOf(asReader.send(new DeleteObjectCommand({ Bucket: bucket, Key: "appliance/current/alga-appliance.iso" })))).toEqual({ name: "AccessDenied", status: 403 });
      expect(await failureOf(asReader.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "appliance/" })))).toEqual({ name: "AccessDenied", status: 403 });
    } finally {
      asReader.destroy();
    }

    // iso-publish with the publisher key the stack renders, its URL signed with the reader's key.
    const publisher = await rgw.createUser("alga-iso-publisher");
    await rgw.putUserPolicy("alga-iso-publisher", "alga-iso-publish", policy("alga-iso-publish"));
    const iso = isoFile("9.0.0", 12 * 1024 * 1024);
    const result = await publish(iso.path, { ...rgw.env(bucket, publisher), OBJECT_STORE_READ_ACCESS_KEY: reader.accessKeyId, OBJECT_STORE_READ_SECRET_KEY: reader.secretAccessKey });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ isCurrent: true, urlAccessKeyId: reader.accessKeyId, concurrencyControl: "re-check" });
    const download = await fetch(report.url);
    expect(download.status).toBe(200);
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(iso.data));
  });

  it("the publisher's key writes, tags, lists and aborts under appliance/ only, and deletes nothing", async () => {
    const publisher = s3Client(await rgw.createUser("second-publisher"));
    // The same rendered policy, attached to a fresh user.
    await rgw.putUserPolicy("second-publisher", "alga-iso-publish", policy("alga-iso-publish"));
    try {
      expect(await failureOf(publisher.send(new PutObjectCommand({ Bucket: bucket, Key: "appliance/x/probe", Body: "x" })))).toEqual({ name: "no error", status: 200 });
      expect(await failureOf(publisher.send(new PutObjectCommand({ Bucket: bucket, Key: "private/x", Body: "x" })))).toEqual({ name: "AccessDenied", status: 403 });
      expect(await failureOf(publisher.send(new GetObjectCommand({ Bucket: bucket, Key: "private/notes.txt" })))).toEqual({ name: "AccessDenied", status: 403 });
      expect(await failureOf(publisher.send(new DeleteObjectCommand({ Bucket: bucket, Key: "appliance/x/probe" })))).toEqual({ name: "AccessDenied", status: 403 });
      expect(await failureOf(publisher.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "appliance/" })))).toEqual({ name: "no error", status: 200 });
      expect(await failureOf(publisher.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "private/" })))).toEqual({ name: "AccessDenied", status: 403 });
      const created = await publisher.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "appliance/x/upload" }));
      expect((await publisher.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "appliance/" }))).Uploads?.map((upload) => upload.Key)).toEqual(["appliance/x/upload"]);
      await publisher.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "appliance/x/upload", UploadId: created.UploadId }));
      expect(await incompleteUploads(bucket)).toEqual([]);
    } finally {
      publisher.destroy();
    }
  });
});
