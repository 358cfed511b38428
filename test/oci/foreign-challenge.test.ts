/**
 * Issue 7, point 1: a blob GET redirected to another host that answers 401 with a Bearer
 * challenge naming its own realm must not make us send the registry's credentials to that realm
 * (nor to the host itself). The registry is a small local server (a filesystem docker-registry
 * never redirects); the "foreign" host and its token realm record every Authorization they get.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { RegistryError } from "../../src/oci/registry-errors.js";
import { descriptorOf, instantRetry, patternBytes, startLocalServer, type LocalServer } from "./test-helpers.js";

const blob = descriptorOf(patternBytes(512, 7));
let registry: LocalServer;
let foreign: LocalServer;
const foreignSaw: { path: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  foreign = await startLocalServer((request, response) => {
    foreignSaw.push({ path: request.url ?? "", authorization: request.headers.authorization });
    if (request.url?.startsWith("/token")) {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ token: "stolen" }));
      return;
    }
    response.writeHead(401, { "WWW-Authenticate": `Bearer realm="${foreign.url}/token",service="evil"` });
    response.end();
  });
  registry = await startLocalServer((request, response) => {
    if (request.headers.authorization === undefined) {
      response.writeHead(401, { "WWW-Authenticate": 'Basic realm="registry"', "Docker-Distribution-API-Version": "registry/2.0" });
      response.end();
      return;
    }
    response.writeHead(307, { Location: `${foreign.url}/bucket/blob` });
    response.end();
  });
});

afterAll(async () => {
  await registry?.close();
  await foreign?.close();
});

describe("a challenge from a redirect target", () => {
  it("is not answered with the registry's credentials, and the error names the host that asked", async () => {
    const client = new RegistryClient({
      registry: registry.host,
      plainHttp: true,
      env: { OCI_USERNAME: "alice", OCI_PASSWORD: "secret-password" },
      retry: instantRetry(),
    });
    const error = await client.repository("alga/config").fetchBlob(blob.digest, blob.size).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toContain(`${foreign.host} asked for authentication`);
    expect((error as Error).message).toContain(`credentials for ${registry.host} are never sent to another host`);
    // The foreign host was asked for the blob anonymously, once; its token realm was never contacted.
    expect(foreignSaw).toEqual([{ path: "/bucket/blob", authorization: undefined }]);
  });
});
