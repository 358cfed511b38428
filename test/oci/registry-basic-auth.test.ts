import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { RegistryClient, type RegistryClientOptions } from "../../src/oci/registry-client.js";
import { RegistryError } from "../../src/oci/registry-errors.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { descriptorOf, instantRetry, patternBytes, recordingFetch } from "./test-helpers.js";

let registry: RunningRegistry;
let username: string;
let password: string;
let scratch: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: "basic" });
  username = registry.username!;
  password = registry.password!;
  scratch = await mkdtemp(join(tmpdir(), "oci-basic-auth-test-"));
});

afterAll(async () => {
  await registry?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

function clientFor(options: Partial<RegistryClientOptions> = {}): RegistryClient {
  // A scratch HOME unless a test says otherwise, so the machine's own env and docker config never leak in.
  return new RegistryClient({ registry: registry.host, plainHttp: true, env: { HOME: scratch }, retry: instantRetry(), ...options });
}

async function roundTrip(client: RegistryClient, name: string, seed: number): Promise<void> {
  const repository = client.repository(name);
  const data = patternBytes(512, seed);
  const descriptor = descriptorOf(data);
  expect(await repository.pushBlob(descriptor, data)).toBe(true);
  expect(await repository.fetchBlob(descriptor.digest, descriptor.size)).toEqual(data);
}

async function dockerConfigDir(name: string, auths: Record<string, unknown>): Promise<string> {
  const dir = join(scratch, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "config.json"), JSON.stringify({ auths }));
  return dir;
}

function basicAuth(user: string, secret: string): string {
  return Buffer.from(`${user}:${secret}`).toString("base64");
}

describe("registry with htpasswd Basic auth", () => {
  it("pushes and pulls with explicit credentials, sending them up front after the first challenge", async () => {
    const recorder = recordingFetch();
    const client = clientFor({ credentials: { username, password }, transport: recorder.fetch });
    await roundTrip(client, "basic/explicit", 1);

    const unauthenticated = recorder.requests.filter((request) => !request.headers.has("authorization"));
    expect(unauthenticated).toHaveLength(1);
    expect(unauthenticated[0]!.status).toBe(401);
    expect(recorder.requests.slice(1).every((request) => request.headers.get("authorization") === `Basic ${basicAuth(username, password)}`)).toBe(
      true,
    );
  });

  it("fails without credentials with a 401 that says what to set", async () => {
    const error = await clientFor().repository("basic/anonymous").listTags().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(401);
    expect((error as RegistryError).message).toContain(`authentication required for ${registry.host}`);
    expect((error as RegistryError).message).toContain("OCI_USERNAME/OCI_PASSWORD");
    expect((error as RegistryError).message).toContain(`docker login ${registry.host}`);
  });

  it("fails with a wrong password, naming where the credentials came from but not the secret", async () => {
    const error = await clientFor({ env: { OCI_USERNAME: username, OCI_PASSWORD: "wrong-secret" } })
      .repository("basic/wrong")
      .listTags()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(401);
    expect((error as RegistryError).message).toContain(`authentication failed for ${registry.host}`);
    expect((error as RegistryError).message).toContain("environment variables OCI_USERNAME/OCI_PASSWORD");
    expect((error as RegistryError).message).not.toContain("wrong-secret");
    expect((error as RegistryError).url).not.toContain("wrong-secret");
  });

  it("reads OCI_USERNAME/OCI_PASSWORD from the process environment by default", async () => {
    vi.stubEnv("OCI_USERNAME", username);
    vi.stubEnv("OCI_PASSWORD", password);
    vi.stubEnv("DOCKER_CONFIG", join(scratch, "no-such-dir"));
    const client = new RegistryClient({ registry: registry.host, plainHttp: true });
    await roundTrip(client, "basic/process-env", 2);
  });

  it("reads auths[host].auth from $DOCKER_CONFIG/config.json", async () => {
    const dir = await dockerConfigDir("docker-config", { [registry.host]: { auth: basicAuth(username, password) } });
    await roundTrip(clientFor({ env: { DOCKER_CONFIG: dir } }), "basic/docker-config", 3);
  });

  it("reads ~/.docker/config.json when DOCKER_CONFIG is unset, matching keys written with a scheme", async () => {
    const home = join(scratch, "home");
    await dockerConfigDir("home/.docker", { [`http://${registry.host}/v2/`]: { auth: basicAuth(username, password) } });
    await roundTrip(clientFor({ env: { HOME: home } }), "basic/home-config", 4);
  });

  it("lets explicit credentials win over the environment, and the environment win over config.json", async () => {
    const badConfig = await dockerConfigDir("bad-config", { [registry.host]: { auth: basicAuth(username, "config-is-wrong") } });
    const goodConfig = await dockerConfigDir("good-config", { [registry.host]: { auth: basicAuth(username, password) } });

    await roundTrip(
      clientFor({ credentials: { username, password }, env: { OCI_USERNAME: username, OCI_PASSWORD: "env-is-wrong" } }),
      "basic/precedence-explicit",
      5,
    );
    await roundTrip(
      clientFor({ env: { OCI_USERNAME: username, OCI_PASSWORD: password, DOCKER_CONFIG: badConfig } }),
      "basic/precedence-env",
      6,
    );
    const envOverGoodConfig = await clientFor({ env: { OCI_USERNAME: username, OCI_PASSWORD: "env-is-wrong", DOCKER_CONFIG: goodConfig } })
      .repository("basic/precedence-env-wrong")
      .listTags()
      .catch((caught: unknown) => caught);
    expect((envOverGoodConfig as RegistryError).status).toBe(401);
  });

  it("explains that docker credential helpers are not supported", async () => {
    const dir = join(scratch, "helper-config");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "config.json"), JSON.stringify({ auths: {}, credsStore: "desktop" }));
    const error = await clientFor({ env: { DOCKER_CONFIG: dir } })
      .repository("basic/helper")
      .listTags()
      .catch((caught: unknown) => caught);
    expect((error as RegistryError).status).toBe(401);
    expect((error as RegistryError).message).toContain('helper "docker-credential-desktop", which this tool does not run');
  });

  it("says that a bearer token cannot answer a Basic challenge", async () => {
    const error = await clientFor({ env: { OCI_TOKEN: "some-token" } })
      .repository("basic/token")
      .listTags()
      .catch((caught: unknown) => caught);
    expect((error as RegistryError).status).toBe(401);
    expect((error as RegistryError).message).toContain("asks for a username and password (Basic authentication)");
    expect((error as RegistryError).message).toContain("the token from environment variable OCI_TOKEN cannot be used");
  });

  it("pings a registry that requires authentication", async () => {
    await expect(clientFor().ping()).resolves.toBeUndefined();
  });
});
