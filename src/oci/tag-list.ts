/**
 * A repository's tags as a registry lists them (`GET /v2/<name>/tags/list`), page by page along
 * `Link: <...>; rel="next"`. Each page is untrusted JSON, parsed into tags that follow the tag
 * grammar or refused naming the registry.
 */
import { z } from "zod";
import { BodyTooLargeError, discard, readBodyWithin } from "./http-bodies.js";
import { redactUrl } from "./http.js";
import { InvalidArtifactError } from "./invalid-artifact-error.js";
import { MAX_MANIFEST_BYTES, TAG_LIST_LIMITS } from "./limits.js";
import { TAG_PATTERN } from "./registry-reference.js";
import type { RegistryTransport } from "./registry-transport.js";

export interface TagListTarget {
  readonly transport: RegistryTransport;
  readonly name: string;
  readonly location: string;
  readonly scopes: readonly string[];
  url(path: string): URL;
}

/** One page: `{"name": "...", "tags": [...]}`; registries answer `null` (or nothing) for no tags. */
const TagListPage = z.object({
  name: z.string().optional(),
  tags: z.array(z.string().regex(TAG_PATTERN)).nullish(),
});

/** A tag list passed one of TAG_LIST_LIMITS; the message names the limit and the registry. */
export class TagListLimitError extends Error {
  constructor(
    readonly location: string,
    readonly limit: keyof typeof TAG_LIST_LIMITS,
  ) {
    const what = { pages: "pages", tags: "tags", bytes: "bytes" }[limit];
    super(
      `the tag list of ${location} passes the limit of ${TAG_LIST_LIMITS[limit]} ${what} across its pages` +
        `${limit === "pages" ? " (its next links do not end)" : ""}; refusing it. The registry at ${location.split("/")[0]} is broken or hostile`,
    );
    this.name = "TagListLimitError";
  }
}

/**
 * Every tag, sorted and without repeats. A repository that does not exist has none. Bounded as a
 * whole (TAG_LIST_LIMITS) and read page by page, tag by tag: no recursion, no spread of a page
 * into a call (a page of 150,000 tags would overflow the stack).
 */
export async function listTags(target: TagListTarget, pageSize: number): Promise<string[]> {
  const tags = new Set<string>();
  const seen = new Set<string>();
  let bytes = 0;
  let url: URL | undefined = target.url("tags/list");
  url.searchParams.set("n", String(pageSize));
  while (url !== undefined) {
    // A registry whose `next` link points back to an earlier page would otherwise loop forever.
    if (seen.has(url.href)) break;
    if (seen.size >= TAG_LIST_LIMITS.pages) throw new TagListLimitError(target.location, "pages");
    seen.add(url.href);
    const result = await target.transport.send({ method: "GET", url, scopes: target.scopes });
    const { response } = result;
    if (response.status === 404 && seen.size === 1) {
      await discard(response);
      return [];
    }
    await target.transport.check(result, [200], { method: "GET", action: `listing tags of ${target.location}`, repository: target.name });
    const budget = TAG_LIST_LIMITS.bytes - bytes;
    let page: Uint8Array;
    try {
      page = await readBodyWithin(response, Math.min(MAX_MANIFEST_BYTES, budget), `tag list of ${target.location}`);
    } catch (error) {
      if (error instanceof BodyTooLargeError && budget < MAX_MANIFEST_BYTES) throw new TagListLimitError(target.location, "bytes");
      throw error;
    }
    bytes += page.byteLength;
    for (const tag of parsePage(page, `${target.location}: the tag list ${redactUrl(url)}`)) {
      tags.add(tag);
      if (tags.size > TAG_LIST_LIMITS.tags) throw new TagListLimitError(target.location, "tags");
    }
    const next = nextLink(response.headers.get("link"));
    url = next === undefined ? undefined : new URL(next, result.url);
  }
  return [...tags].sort();
}

/** The tags of one page, or an InvalidArtifactError saying what is wrong with it. */
function parsePage(bytes: Uint8Array, what: string): readonly string[] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new InvalidArtifactError(`${what} answered is not JSON`);
  }
  const parsed = TagListPage.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length > 0 ? issue.path.join(".") : "the document";
    const found = issue.path.length === 2 ? `: ${JSON.stringify(issueValue(json, issue.path)).slice(0, 140)}` : "";
    throw new InvalidArtifactError(`${what} answered is not a tag list: ${at} is not ${issue.path.length === 2 ? "a tag" : "what the distribution spec says"}${found}`);
  }
  return parsed.data.tags ?? [];
}

function issueValue(json: unknown, path: readonly PropertyKey[]): unknown {
  let value = json;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  return value;
}

/** The `rel="next"` target of an RFC 8288 Link header, e.g. `</v2/x/tags/list?last=b&n=2>; rel="next"`. */
function nextLink(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const match of header.matchAll(/<([^>]*)>([^<]*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2] ?? "");
    const relations = (rel?.[1] ?? rel?.[2] ?? "").toLowerCase().split(/\s+/);
    if (relations.includes("next")) return match[1];
  }
  return undefined;
}
