/**
 * Issue 17 point 4 (transport side): tag lists and token answers are untrusted JSON, parsed into
 * typed values through schemas, or refused with a typed error naming the registry or realm.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RegistryAuth } from "../../src/oci/auth.js";
import { HttpClient } from "../../src/oci/http.js";
import { InvalidArtifactError } from "../../src/oci/invalid-artifact-error.js";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { TokenServiceError } from "../../src/oci/token-answer.js";
import { instantRetry, startLocalServer, type LocalServer } from "./test-helpers.js";

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A registry that answers every tag list with `body`. */
async function tagListOf(body: string): Promise<string[]> {
  server = await startLocalServer((_request, response) => {
    response.writeHead(200, { "Content-Type": "application/json", "Docker-Distribution-Api-Version": "registry/2.0" });
    response.end(body);
  });
  return new RegistryClient({ registry: server.host, plainHttp: true, env: {}, retry: instantRetry(1) }).repository("json/tags").listTags();
}

describe("tag lists", () => {
  it("reads tags, and null or absent tags as none", async () => {
    expect(await tagListOf(JSON.stringify({ name: "json/tags", tags: ["stable", "1.0", "1.0"] }))).toEqual(["1.0", "stable"]);
    expect(await tagListOf(JSON.stringify({ name: "json/tags", tags: null }))).toEqual([]);
    expect(await tagListOf(JSON.stringify({ name: "json/tags" }))).toEqual([]);
  });

  it.each([
    ["an entry that is not a string", { tags: ["1.0", 7] }, /tags\.1 is not a tag: 7/],
    ["an entry outside the tag grammar", { tags: ["1.0", "../../etc"] }, /tags\.1 is not a tag: "\.\.\/\.\.\/etc"/],
    ["tags that are not a list", { tags: "1.0" }, /tags is not what the distribution spec says/],
    ["a document that is not an object", ["1.0"], /the document is not what the distribution spec says/],
  ])("refuses %s, naming the registry", async (_, body, message) => {
    const error = await tagListOf(JSON.stringify(body)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidArtifactError);
    expect((error as Error).message).toContain(`${server!.host}/json/tags: the tag list http://${server!.host}/v2/json/tags/tags/list?n=100`);
    expect((error as Error).message).toMatch(message);
  });
});

describe("token answers", () => {
  async function answer(body: unknown): Promise<string | undefined> {
    server = await startLocalServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify(body));
    });
    const auth = new RegistryAuth({
      registry: "registry.test",
      http: new HttpClient({ retry: instantRetry(1) }),
      plainHttp: true,
      lookupCredentials: () => ({}),
    });
    return auth.respondToChallenge(`Bearer realm="${server.url}/token",service="svc"`, ["repository:x:pull"], undefined);
  }

  it("takes `token`, else `access_token`; a wrong-typed field counts as absent", async () => {
    expect(await answer({ token: "t1", expires_in: 300 })).toBe("Bearer t1");
    expect(await answer({ token: 5, access_token: "t2", expires_in: "soon" })).toBe("Bearer t2");
  });

  it.each([
    ["no token", { expires_in: 60 }, /answered without a token/],
    ["a document that is not an object", ["t"], /answered without a token/],
    ["a token that would break the Authorization header", { token: "abc\r\nX-Injected: 1" }, /characters an HTTP header cannot carry/],
  ])("refuses %s with a TokenServiceError naming the realm", async (_, body, message) => {
    const error = await answer(body).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenServiceError);
    expect((error as TokenServiceError).realm).toBe(`${server!.url}/token`);
    expect((error as Error).message).toMatch(message);
  });
});
