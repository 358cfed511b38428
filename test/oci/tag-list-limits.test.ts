/**
 * Issue 15 point 3: a tag list is bounded as a whole (pages, tags and bytes across pagination) and
 * read iteratively. Before: endless `next` links ran to the deadline (9,000 pages, 1.4 GB RSS), and
 * one page of 150,000 tags crashed `channels`/`promote` with "Maximum call stack size exceeded"
 * (the page was spread into `Array.prototype.push`).
 */
import { afterEach, describe, expect, it } from "vitest";
import { TAG_LIST_LIMITS } from "../../src/oci/limits.js";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { TagListLimitError } from "../../src/oci/tag-list.js";
import { instantRetry, startLocalServer, type Handler, type LocalServer } from "./test-helpers.js";

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function listWith(handler: Handler): Promise<{ result: Promise<string[]>; host: string }> {
  server = await startLocalServer(handler);
  const repository = new RegistryClient({ registry: server.host, plainHttp: true, env: {}, retry: instantRetry(1) }).repository("limits/tags");
  return { result: repository.listTags(), host: server.host };
}

const tagNames = (count: number, prefix = "t") => Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(6, "0")}`);

describe("tag lists as a whole", () => {
  it("lists a single page of 150,000 tags without overflowing the stack", async () => {
    const tags = tagNames(150_000);
    const body = JSON.stringify({ name: "limits/tags", tags: [...tags].reverse() });
    const { result } = await listWith((_request, response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(body);
    });
    const listed = await result;
    expect(listed).toHaveLength(150_000);
    expect(listed[0]).toBe("t000000");
    expect(listed.at(-1)).toBe("t149999");
  });

  it("refuses endless next links after the page limit, naming it and the registry", async () => {
    let pages = 0;
    const { result, host } = await listWith((_request, response) => {
      pages++;
      response.writeHead(200, { "Content-Type": "application/json", Link: `</v2/limits/tags/tags/list?n=100&last=p${pages}>; rel="next"` });
      response.end(JSON.stringify({ name: "limits/tags", tags: [`p${pages}`] }));
    });
    const error = await result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TagListLimitError);
    expect((error as TagListLimitError).limit).toBe("pages");
    expect((error as Error).message).toContain(`the tag list of ${host}/limits/tags passes the limit of ${TAG_LIST_LIMITS.pages} pages`);
    expect((error as Error).message).toContain(`registry at ${host}`);
    expect(pages).toBe(TAG_LIST_LIMITS.pages);
  });

  it("refuses more tags than the tag limit, even in one page", async () => {
    const body = JSON.stringify({ tags: tagNames(TAG_LIST_LIMITS.tags + 1) });
    const { result, host } = await listWith((_request, response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(body);
    });
    const error = await result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TagListLimitError);
    expect((error as Error).message).toContain(`the tag list of ${host}/limits/tags passes the limit of ${TAG_LIST_LIMITS.tags} tags`);
  });

  it("refuses pages that together pass the byte limit, each one under the page ceiling", async () => {
    const pageBytes = 4_000_000;
    const padding = " ".repeat(pageBytes - 20);
    let pages = 0;
    const { result, host } = await listWith((_request, response) => {
      pages++;
      response.writeHead(200, { "Content-Type": "application/json", Link: `</v2/limits/tags/tags/list?last=${pages}>; rel="next"` });
      response.end(`{"tags":["p${pages}"]${padding}}`);
    });
    const error = await result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TagListLimitError);
    expect((error as TagListLimitError).limit).toBe("bytes");
    expect((error as Error).message).toContain(`the tag list of ${host}/limits/tags passes the limit of ${TAG_LIST_LIMITS.bytes} bytes`);
    expect(pages).toBe(Math.floor(TAG_LIST_LIMITS.bytes / pageBytes) + 1);
  });
});
