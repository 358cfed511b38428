/**
 * Registries hand blob downloads to object storage with a redirect. The storage host must get
 * the redirect's own signature, never our registry credentials. A real registry with the
 * filesystem driver does not redirect, so two small local servers play registry and storage.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DigestMismatchError } from "../../src/oci/digest.js";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { descriptorOf, instantRetry, patternBytes, startLocalServer, type LocalServer } from "./test-helpers.js";

const blob = patternBytes(2048, 41);
const blobDescriptor = descriptorOf(blob);
const corrupt = patternBytes(2048, 42);
const corruptDigest = descriptorOf(patternBytes(2048, 43)).digest;

let registry: LocalServer;
let storage: LocalServer;
const registrySaw: (string | undefined)[] = [];
const storageSaw: (string | undefined)[] = [];

beforeAll(async () => {
  storage = await startLocalServer((request, response) => {
    storageSaw.push(request.headers.authorization);
    const url = new URL(request.url ?? "/", "http://storage");
    if (url.searchParams.get("signature") !== "s3cr3t-signed") {
      response.writeHead(403);
      response.end();
      return;
    }
    response.writeHead(200, { "Content-Type": "application/octet-stream" });
    response.end(url.pathname.endsWith("/corrupt") ? corrupt : blob);
  });
  registry = await startLocalServer((request, response) => {
    registrySaw.push(request.headers.authorization);
    if (request.headers.authorization === undefined) {
      response.writeHead(401, { "WWW-Authenticate": 'Basic realm="test"', "Docker-Distribution-API-Version": "registry/2.0" });
      response.end();
      return;
    }
    const object = request.url?.endsWith(corruptDigest) ? "corrupt" : "good";
    response.writeHead(307, { Location: `${storage.url}/bucket/${object}?signature=s3cr3t-signed` });
    response.end();
  });
});

afterAll(async () => {
  await registry?.close();
  await storage?.close();
});

describe("blob download redirected to another origin", () => {
  it("sends credentials to the registry only, and verifies what storage returned", async () => {
    const client = new RegistryClient({
      registry: registry.host,
      plainHttp: true,
      credentials: { username: "user", password: "pass" },
      retry: instantRetry(),
    });
    const data = await client.repository("redirect/test").fetchBlob(blobDescriptor.digest, blobDescriptor.size);

    expect(data).toEqual(blob);
    expect(registrySaw).toEqual([undefined, `Basic ${Buffer.from("user:pass").toString("base64")}`]);
    expect(storageSaw).toEqual([undefined]);
  });

  it("rejects bytes from storage that do not match the digest", async () => {
    const client = new RegistryClient({
      registry: registry.host,
      plainHttp: true,
      credentials: { username: "user", password: "pass" },
      retry: instantRetry(),
    });
    await expect(client.repository("redirect/test").fetchBlob(corruptDigest)).rejects.toBeInstanceOf(DigestMismatchError);
  });
});
