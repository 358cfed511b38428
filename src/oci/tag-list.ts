/**
 * A repository's tags as a registry lists them (`GET /v2/<name>/tags/list`), page by page along
 * `Link: <...>; rel="next"`.
 */
import { discard, readBodyWithin } from "./http-bodies.js";
import { redactUrl } from "./http.js";
import { InvalidArtifactError } from "./invalid-artifact-error.js";
import { MAX_MANIFEST_BYTES } from "./limits.js";
import type { RegistryTransport } from "./registry-transport.js";

export interface TagListTarget {
  readonly transport: RegistryTransport;
  readonly name: string;
  readonly location: string;
  readonly scopes: readonly string[];
  url(path: string): URL;
}

/** Every tag, sorted and without repeats. A repository that does not exist has none. */
export async function listTags(target: TagListTarget, pageSize: number): Promise<string[]> {
  const tags: string[] = [];
  const seen = new Set<string>();
  let url: URL | undefined = target.url("tags/list");
  url.searchParams.set("n", String(pageSize));
  while (url !== undefined) {
    // A registry whose `next` link points back to an earlier page would otherwise loop forever.
    if (seen.has(url.href)) break;
    seen.add(url.href);
    const result = await target.transport.send({ method: "GET", url, scopes: target.scopes });
    const { response } = result;
    if (response.status === 404 && seen.size === 1) {
      await discard(response);
      return [];
    }
    await target.transport.check(result, [200], { method: "GET", action: `listing tags of ${target.location}`, repository: target.name });
    const page = await readBodyWithin(response, MAX_MANIFEST_BYTES, `tag list of ${target.location}`);
    let body: { tags?: unknown };
    try {
      body = JSON.parse(new TextDecoder().decode(page)) as { tags?: unknown };
    } catch {
      throw new InvalidArtifactError(`${target.location}: the tag list ${redactUrl(url)} answered is not JSON`);
    }
    if (Array.isArray(body.tags)) tags.push(...body.tags.filter((tag): tag is string => typeof tag === "string"));
    const next = nextLink(response.headers.get("link"));
    url = next === undefined ? undefined : new URL(next, result.url);
  }
  return [...new Set(tags)].sort();
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
