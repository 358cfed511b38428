import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerConfigPath, lookupCredentials } from "../../src/oci/credentials.js";

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "oci-credentials-test-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function dockerConfig(name: string, content: unknown): Promise<string> {
  const dir = join(scratch, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "config.json"), typeof content === "string" ? content : JSON.stringify(content));
  return dir;
}

const auth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString("base64");

describe("lookupCredentials", () => {
  it("finds docker login's Docker Hub entry (https://index.docker.io/v1/) for registry-1.docker.io, and no other host's", async () => {
    const dir = await dockerConfig("docker-hub", { auths: { "https://index.docker.io/v1/": { auth: auth("hub-user", "hub-pass") } } });
    for (const host of ["registry-1.docker.io", "docker.io", "index.docker.io"]) {
      expect(lookupCredentials(host, { env: { DOCKER_CONFIG: dir } }).credentials, host).toEqual({ username: "hub-user", password: "hub-pass" });
    }
    expect(lookupCredentials("ghcr.io", { env: { DOCKER_CONFIG: dir } }).credentials).toBeUndefined();
    expect(lookupCredentials("registry-1.docker.io.evil.example", { env: { DOCKER_CONFIG: dir } }).credentials).toBeUndefined();
  });

  it("prefers explicit credentials, then the environment, then docker config.json", async () => {
    const dir = await dockerConfig("precedence", { auths: { "reg.test": { auth: auth("config-user", "config-pass") } } });
    const env = { OCI_USERNAME: "env-user", OCI_PASSWORD: "env-pass", DOCKER_CONFIG: dir };

    expect(lookupCredentials("reg.test", { explicit: { username: "x", password: "y" }, env })).toEqual({
      credentials: { username: "x", password: "y" },
      source: "the credentials passed explicitly",
    });
    expect(lookupCredentials("reg.test", { env })).toEqual({
      credentials: { username: "env-user", password: "env-pass" },
      source: "credentials from environment variables OCI_USERNAME/OCI_PASSWORD",
    });
    expect(lookupCredentials("reg.test", { env: { DOCKER_CONFIG: dir } })).toEqual({
      credentials: { username: "config-user", password: "config-pass" },
      source: `credentials from docker config ${join(dir, "config.json")}`,
    });
  });

  it("takes OCI_TOKEN when no username/password pair is set", () => {
    expect(lookupCredentials("reg.test", { env: { OCI_TOKEN: "abc", DOCKER_CONFIG: join(scratch, "none") } }).credentials).toEqual({ token: "abc" });
    expect(
      lookupCredentials("reg.test", { env: { OCI_TOKEN: "abc", OCI_USERNAME: "u", OCI_PASSWORD: "p" } }).credentials,
    ).toEqual({ username: "u", password: "p" });
  });

  it("refuses a half-set username/password pair", () => {
    expect(() => lookupCredentials("reg.test", { env: { OCI_USERNAME: "u" } })).toThrow(/OCI_USERNAME is set but OCI_PASSWORD is not/);
    expect(() => lookupCredentials("reg.test", { env: { OCI_PASSWORD: "p" } })).toThrow(/OCI_PASSWORD is set but OCI_USERNAME is not/);
  });

  it("matches config keys written with a scheme or path, and passwords containing colons", async () => {
    const dir = await dockerConfig("keys", {
      auths: {
        "https://other.test": { auth: auth("wrong", "wrong") },
        "https://reg.test:5000/v1/": { auth: auth("user", "pa:ss:word") },
      },
    });
    expect(lookupCredentials("reg.test:5000", { env: { DOCKER_CONFIG: dir } }).credentials).toEqual({
      username: "user",
      password: "pa:ss:word",
    });
    expect(lookupCredentials("reg.test", { env: { DOCKER_CONFIG: dir } }).credentials).toBeUndefined();
  });

  it("reads identitytoken as an identity (refresh) token and registrytoken as a bearer token", async () => {
    const dir = await dockerConfig("tokens", {
      auths: { "id.test": { auth: "", identitytoken: "refresh-me" }, "bearer.test": { registrytoken: "use-me" } },
    });
    expect(lookupCredentials("id.test", { env: { DOCKER_CONFIG: dir } }).credentials).toEqual({ identityToken: "refresh-me" });
    expect(lookupCredentials("bearer.test", { env: { DOCKER_CONFIG: dir } }).credentials).toEqual({ token: "use-me" });
  });

  it("uses ~/.docker/config.json when DOCKER_CONFIG is unset", async () => {
    const home = join(scratch, "home");
    await dockerConfig("home/.docker", { auths: { "reg.test": { auth: auth("home-user", "home-pass") } } });
    expect(dockerConfigPath({ HOME: home })).toBe(join(home, ".docker", "config.json"));
    expect(lookupCredentials("reg.test", { env: { HOME: home } }).credentials).toEqual({ username: "home-user", password: "home-pass" });
  });

  it("has nothing (and no error) when config.json does not exist", () => {
    expect(lookupCredentials("reg.test", { env: { DOCKER_CONFIG: join(scratch, "missing") } })).toEqual({});
  });

  it("explains credential helpers instead of running them", async () => {
    const dir = await dockerConfig("helpers", { auths: {}, credsStore: "osxkeychain", credHelpers: { "ecr.test": "ecr-login" } });
    const store = lookupCredentials("reg.test", { env: { DOCKER_CONFIG: dir } });
    expect(store.credentials).toBeUndefined();
    expect(store.note).toContain('"docker-credential-osxkeychain", which this tool does not run');
    expect(lookupCredentials("ecr.test", { env: { DOCKER_CONFIG: dir } }).note).toContain("docker-credential-ecr-login");
  });

  it("reports malformed config files clearly", async () => {
    const broken = await dockerConfig("broken", "{ not json");
    expect(() => lookupCredentials("reg.test", { env: { DOCKER_CONFIG: broken } })).toThrow(/is not valid JSON/);
    const badAuth = await dockerConfig("bad-auth", { auths: { "reg.test": { auth: Buffer.from("no-colon").toString("base64") } } });
    expect(() => lookupCredentials("reg.test", { env: { DOCKER_CONFIG: badAuth } })).toThrow(/is not base64 of "username:password"/);
  });
});
