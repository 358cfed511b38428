import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readObjectStoreEnvironment } from "../../src/distribution/object-store-env.js";
import { publishIso } from "../../src/distribution/publish-iso.js";
import { startLocalServer } from "../support/local-server.js";
import { PROJECT_ROOT, runCli } from "../support/run-cli.js";
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from "../support/s3-server.js";
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

async function objectBytes(key: string, bucket = BUCKET): Promise<Buffer> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function exists(key: string): Promise<boolean> {
  return client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
    () => true,
    () => false,
  );
}

function publish(file: string, env: Record<string, string>, extra: string[] = []) {
  return runCli("iso-publish", ["--file", file, "--part-size-mib", "5", "--json", ...extra], { env });
}

describe("npm run iso-publish against a real S3 API (s3rver on 127.0.0.1)", () => {
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
    });
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
    expect(result.stderr).toMatch(/s3:\/\/empty-bucket\/appliance\/1\.0\.3\/alga-appliance\.iso at http:\/\/127\.0\.0\.1:\d+ failed: InvalidAccessKeyId/);
    expect(result.stderr).toContain("check OBJECT_STORE_ACCESS_KEY/OBJECT_STORE_SECRET_KEY");
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
        if (/appliance\/2\.0\.1\/alga-appliance\.iso \[/.test(stderr)) child.kill("SIGKILL");
      });
      child.on("close", (_code, signal) => resolve(signal));
    });
    expect(await killed, stderr).toBe("SIGKILL");
    expect(stderr).not.toContain("replacing");
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
});
