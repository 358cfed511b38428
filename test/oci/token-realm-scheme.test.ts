/**
 * Issue 7, point 2: an HTTPS registry that advertises an `http://` token realm would have our
 * credentials cross the network in clear text. The realm is refused unless the registry itself
 * was given with --plain-http. The realm here is a local server recording what it receives.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { RegistryAuth } from "../../src/oci/auth.js";
import { TokenServiceError } from "../../src/oci/token-answer.js";
import { HttpClient } from "../../src/oci/http.js";
import { startLocalServer, type LocalServer } from "./test-helpers.js";

let realm: LocalServer;
const realmSaw: (string | undefined)[] = [];

beforeAll(async () => {
  realm = await startLocalServer((request, response) => {
    realmSaw.push(request.headers.authorization);
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(JSON.stringify({ token: "issued" }));
  });
});
afterAll(() => realm?.close());

const credentials = () => ({ credentials: { username: "alice", password: "secret-password" }, source: "OCI_USERNAME/OCI_PASSWORD" });
const challenge = () => `Bearer realm="${realm.url}/token",service="registry"`;

describe("a plain-HTTP token realm", () => {
  it("is refused for an HTTPS registry, before any credentials are sent", async () => {
    const auth = new RegistryAuth({ registry: "registry.example.com", http: new HttpClient(), lookupCredentials: credentials });
    const error = await auth.respondToChallenge(challenge(), ["repository:alga/x:pull"], undefined).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenServiceError);
    expect((error as Error).message).toContain("registry.example.com is HTTPS but sends token requests to the plain-HTTP realm");
    expect(realmSaw).toEqual([]);
  });

  it("is used when the registry itself was given with --plain-http", async () => {
    const auth = new RegistryAuth({ registry: "127.0.0.1:5000", http: new HttpClient(), plainHttp: true, lookupCredentials: credentials });
    expect(await auth.respondToChallenge(challenge(), ["repository:alga/x:pull"], undefined)).toBe("Bearer issued");
    expect(realmSaw).toEqual([`Basic ${Buffer.from("alice:secret-password").toString("base64")}`]);
  });
});

describe("an HTTPS registry advertising a plain-HTTP realm, end to end", () => {
  it("makes the command fail before any credentials leave, naming the realm", async () => {
    // A TLS registry stand-in on 127.0.0.1 with a throw-away certificate the child process trusts.
    const dir = tempDir();
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
    const registry = createServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (_request, response) => {
      response.writeHead(401, { "Docker-Distribution-API-Version": "registry/2.0", "WWW-Authenticate": `Bearer realm="${realm.url}/token",service="registry"` });
      response.end();
    });
    await new Promise<void>((resolve) => registry.listen(0, "127.0.0.1", resolve));
    const host = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
    try {
      const before = realmSaw.length;
      const result = await runCli("channels", ["--registry", `${host}/alga`], {
        env: { NODE_EXTRA_CA_CERTS: join(dir, "cert.pem"), OCI_USERNAME: "alice", OCI_PASSWORD: "secret-password", OCI_TOKEN: "", DOCKER_CONFIG: "/nonexistent" },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${host} is HTTPS but sends token requests to the plain-HTTP realm ${realm.url}/token`);
      expect(result.stderr).not.toContain("ARK_DEBUG");
      expect(realmSaw.length).toBe(before);
    } finally {
      registry.closeAllConnections();
      await new Promise<void>((resolve) => registry.close(() => resolve()));
    }
  }, 60_000);
});
