import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";
import { RegistryClient, type RegistryClientOptions } from "../../src/oci/registry-client.js";
import { RegistryError } from "../../src/oci/registry-errors.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { artifactFixture, descriptorOf, instantRetry, patternBytes, recordingFetch } from "./test-helpers.js";

let registry: RunningRegistry;
let username: string;
let password: string;
let scratch: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: "token" });
  username = registry.username!;
  password = registry.password!;
  scratch = await mkdtemp(join(tmpdir(), "oci-token-auth-test-"));
});

afterAll(async () => {
  await registry?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function clientFor(options: Partial<RegistryClientOptions> = {}): RegistryClient {
  return new RegistryClient({ registry: registry.host, plainHttp: true, env: { HOME: scratch }, retry: instantRetry(), ...options });
}

function tokenRequestsSince(start: number) {
  return registry.tokenRequests.slice(start);
}

describe("registry with token auth", () => {
  it("refuses an anonymous push with a clear 401", async () => {
    const start = registry.tokenRequests.length;
    const data = patternBytes(256, 1);
    const error = await clientFor()
      .repository("token/anonymous")
      .pushBlob(descriptorOf(data), data)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(401);
    expect((error as RegistryError).message).toContain(`authentication required for ${registry.host}`);
    expect((error as RegistryError).message).toContain("OCI_USERNAME/OCI_PASSWORD");
    // We did ask the realm, anonymously, for exactly the push scope.
    expect(tokenRequestsSince(start)).toEqual([
      { method: "GET", user: undefined, scopes: ["repository:token/anonymous:pull,push"], status: 200 },
    ]);
  });

  it("pushes and pulls an artifact with credentials; tokens are cached per scope", async () => {
    const start = registry.tokenRequests.length;
    const fixture = artifactFixture("token");
    const recorder = recordingFetch();
    const repository = clientFor({ credentials: { username, password }, transport: recorder.fetch }).repository("token/artifact");

    await repository.pushBlob(fixture.config.descriptor, fixture.config.data);
    await repository.pushBlob(fixture.layer.descriptor, fixture.layer.data);
    const pushed = await repository.pushManifest(fixture.manifest, OCI_IMAGE_MANIFEST, "1.0.0");
    expect(pushed.digest).toBe(fixture.manifestDigest);
    expect((await repository.fetchManifest("1.0.0")).bytes).toEqual(fixture.manifest);
    expect(await repository.fetchBlob(fixture.layer.descriptor.digest, fixture.layer.descriptor.size)).toEqual(fixture.layer.data);
    expect(await repository.listTags()).toEqual(["1.0.0"]);

    // One token for pushing, one for pulling, however many requests were made with each.
    expect(tokenRequestsSince(start)).toEqual([
      { method: "GET", user: username, scopes: ["repository:token/artifact:pull,push"], status: 200 },
      { method: "GET", user: username, scopes: ["repository:token/artifact:pull"], status: 200 },
    ]);
    expect(recorder.requests.filter((request) => request.status === 401)).toHaveLength(1);
    // The realm got Basic credentials; the registry only ever saw bearer tokens.
    const toRealm = recorder.requests.filter((request) => request.url.pathname === "/token");
    expect(toRealm.every((request) => request.headers.get("authorization")?.startsWith("Basic "))).toBe(true);
    const toRegistry = recorder.requests.filter((request) => request.url.host === registry.host && request.headers.has("authorization"));
    expect(toRegistry.length).toBeGreaterThan(5);
    expect(toRegistry.every((request) => request.headers.get("authorization")?.startsWith("Bearer "))).toBe(true);
  });

  it("asks for push on the target and pull on the source in one token to mount across repositories", async () => {
    const client = clientFor({ credentials: { username, password } });
    const data = patternBytes(1500, 2);
    const descriptor = descriptorOf(data);
    await client.repository("token/mount-source").pushBlob(descriptor, data);

    const start = registry.tokenRequests.length;
    const target = client.repository("token/mount-target");
    expect(await target.mountBlob(descriptor, "token/mount-source")).toBe(true);
    expect(tokenRequestsSince(start)).toEqual([
      {
        method: "GET",
        user: username,
        scopes: ["repository:token/mount-target:pull,push", "repository:token/mount-source:pull"],
        status: 200,
      },
    ]);
    expect(await target.fetchBlob(descriptor.digest, descriptor.size)).toEqual(data);
  });

  it("reports a rejected password as an authentication failure at the token service", async () => {
    const error = await clientFor({ env: { OCI_USERNAME: username, OCI_PASSWORD: "not-the-password" } })
      .repository("token/wrong")
      .listTags()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(401);
    expect((error as RegistryError).message).toContain(`authentication failed for ${registry.host}`);
    expect((error as RegistryError).message).toContain("token service");
    expect((error as RegistryError).message).toContain("environment variables OCI_USERNAME/OCI_PASSWORD");
    expect((error as RegistryError).message).not.toContain("not-the-password");
  });

  it("uses OCI_USERNAME/OCI_PASSWORD from the environment", async () => {
    const data = patternBytes(300, 3);
    const repository = clientFor({ env: { OCI_USERNAME: username, OCI_PASSWORD: password } }).repository("token/env");
    expect(await repository.pushBlob(descriptorOf(data), data)).toBe(true);
    expect(await repository.hasBlob(descriptorOf(data).digest)).toBe(true);
  });

  it("exchanges a docker config.json identitytoken at the realm (OAuth2 refresh_token grant)", async () => {
    const dir = join(scratch, "identity-token");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "config.json"), JSON.stringify({ auths: { [registry.host]: { auth: "", identitytoken: registry.identityToken } } }));
    const start = registry.tokenRequests.length;
    const data = patternBytes(400, 4);
    const repository = clientFor({ env: { DOCKER_CONFIG: dir } }).repository("token/identity");
    expect(await repository.pushBlob(descriptorOf(data), data)).toBe(true);
    expect(tokenRequestsSince(start)).toEqual([
      { method: "POST", user: username, scopes: ["repository:token/identity:pull,push"], status: 200 },
    ]);
  });

  it("sends a pre-issued OCI_TOKEN as the bearer token without asking the realm", async () => {
    const token = registry.issueToken!(["repository:token/preissued:pull,push"]);
    const start = registry.tokenRequests.length;
    const data = patternBytes(600, 5);
    const repository = clientFor({ env: { OCI_TOKEN: token } }).repository("token/preissued");
    expect(await repository.pushBlob(descriptorOf(data), data)).toBe(true);
    expect(await repository.fetchBlob(descriptorOf(data).digest, 600)).toEqual(data);
    expect(tokenRequestsSince(start)).toEqual([]);

    // The same token grants nothing on another repository.
    const elsewhere = await clientFor({ env: { OCI_TOKEN: token } })
      .repository("token/other")
      .listTags()
      .catch((caught: unknown) => caught);
    expect((elsewhere as RegistryError).status).toBe(401);
    expect((elsewhere as RegistryError).message).toContain(`access denied by ${registry.host} while listing tags of ${registry.host}/token/other`);
    expect((elsewhere as RegistryError).message).toContain("environment variable OCI_TOKEN");
  });
});
