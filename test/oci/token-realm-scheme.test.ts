/**
 * Issue 7, point 2: an HTTPS registry that advertises an `http://` token realm would have our
 * credentials cross the network in clear text. The realm is refused unless the registry itself
 * was given with --plain-http. The realm here is a local server recording what it receives.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryAuth, TokenServiceError } from "../../src/oci/auth.js";
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
