import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { ApplianceStatus } from "../../../schemas/status.js";
import { STATUS_SERVICE } from "../../../schemas/components.js";
import { FailureRateLimiter } from "./rate-limit.js";
import type { StatusPoller } from "./status-poller.js";
import { renderCollectingPage, renderStatusPage, renderTokenRequiredPage } from "./status-page.js";
import { SESSION_COOKIE, credentialsValid, presentedCredentials, sessionValue, type TokenFile } from "./token-auth.js";

export interface StatusServerOptions {
  readonly poller: StatusPoller;
  readonly token: TokenFile;
  readonly rateLimiter?: FailureRateLimiter;
  /** How often the page reloads itself. @default 15 */
  readonly pageRefreshSeconds?: number;
  /** How long the session cookie lasts. @default 43200 (12 hours) */
  readonly sessionSeconds?: number;
  readonly clock?: () => number;
}

const GUARDED = new Set(["/", "/api/status", "/api/overview", "/api/diagnostics"]);

const COMMON_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};
// The page needs nothing but its own inline styles.
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(response: ServerResponse, status: number, type: "json" | "html" | "text", body: string, headers: Record<string, string> = {}): void {
  const contentType = type === "json" ? "application/json; charset=utf-8" : type === "html" ? "text/html; charset=utf-8" : "text/plain; charset=utf-8";
  response.writeHead(status, {
    ...COMMON_HEADERS,
    "content-type": contentType,
    "content-length": String(Buffer.byteLength(body)),
    ...(type === "html" ? { "content-security-policy": PAGE_CSP } : {}),
    ...headers,
  });
  response.end(response.req.method === "HEAD" ? undefined : body);
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** The parts of the status the overview page and a quick API client need. */
function overviewOf(status: ApplianceStatus) {
  return {
    siteId: status.siteId,
    timestamp: status.timestamp,
    release: status.release,
    urls: status.urls,
    rollup: status.rollup,
    tiers: status.tiers,
    topBlocker: status.topBlockers[0] ?? null,
    activeOperations: status.activeOperations,
  };
}

/**
 * The status service's HTTP server. `/healthz` is open (kubelet probes); the page and the APIs
 * need the token: `Authorization: Bearer`, or `?token=` once, which is exchanged for an HttpOnly
 * SameSite cookie and a redirect so the token leaves the address bar and history. Wrong tokens
 * get 401 and count against the client's address; too many and it gets 429 for a while.
 */
export function createStatusServer(options: StatusServerOptions): Server {
  const limiter = options.rateLimiter ?? new FailureRateLimiter();
  const clock = options.clock ?? Date.now;
  const sessionSeconds = options.sessionSeconds ?? 12 * 3600;
  // The status changes once per collection; serialise it once per collection, not per request.
  const serialized = new WeakMap<object, string>();
  const statusJson = (latest: { status: ApplianceStatus }): string => {
    let text = serialized.get(latest);
    if (text === undefined) serialized.set(latest, (text = json(latest.status)));
    return text;
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      send(response, 405, "text", "method not allowed\n", { allow: "GET, HEAD" });
      return;
    }
    // Only origin-form targets ("/path?query"); anything else is the client's mistake, not ours.
    const target = request.url ?? "";
    let url: URL;
    try {
      if (!target.startsWith("/") || target.startsWith("//")) throw new Error("not origin-form");
      url = new URL(target, "http://status.invalid");
    } catch {
      send(response, 400, "text", "bad request target\n");
      return;
    }
    const path = url.pathname;
    if (path === "/healthz") {
      send(response, 200, "text", "ok\n");
      return;
    }
    if (!GUARDED.has(path)) {
      send(response, 404, "text", "not found\n");
      return;
    }
    const wantsHtml = path === "/";
    const client = request.socket.remoteAddress ?? "unknown";
    const token = options.token.current(clock());
    if (!token) {
      // An unusable token (missing, unreadable, too short, too guessable) guards nothing: refuse, say why.
      const why = options.token.problem(clock());
      send(response, 503, wantsHtml ? "html" : "json", wantsHtml ? renderTokenRequiredPage("not-provisioned", why) : json({ error: "the status token is not provisioned", reason: why }), { "retry-after": "30" });
      return;
    }
    const presented = presentedCredentials(request.headers.authorization, url.searchParams.get("token"), request.headers.cookie);
    // The right token is never refused: the limit slows guessing, it must not lock out the operator
    // (tokens too guessable to survive that are refused above).
    if (!credentialsValid(presented, token)) {
      const retryAfter = limiter.retryAfterSeconds(client, clock());
      if (retryAfter > 0) {
        send(response, 429, wantsHtml ? "text" : "json", wantsHtml ? "too many wrong tokens; try again later\n" : json({ error: "too many wrong tokens; try again later", retryAfterSeconds: retryAfter }), { "retry-after": String(retryAfter) });
        return;
      }
      if (presented.kind !== "none") limiter.recordFailure(client, clock());
      const reason = presented.kind === "none" ? "missing" : "wrong";
      send(response, 401, wantsHtml ? "html" : "json", wantsHtml ? renderTokenRequiredPage(reason) : json({ error: reason === "missing" ? "token required" : "wrong token" }), {
        "www-authenticate": `Bearer realm="${STATUS_SERVICE.name}"`,
      });
      return;
    }
    if (presented.kind === "query") {
      url.searchParams.delete("token");
      const location = `${path}${url.searchParams.size ? `?${url.searchParams}` : ""}`;
      send(response, 303, "text", `see ${location}\n`, {
        location,
        "set-cookie": `${SESSION_COOKIE}=${sessionValue(token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${sessionSeconds}`,
      });
      return;
    }
    const latest = options.poller.latest();
    if (!latest) {
      send(response, 503, wantsHtml ? "html" : "json", wantsHtml ? renderCollectingPage() : json({ error: "collecting the first status" }), { "retry-after": "5" });
      return;
    }
    const agoSeconds = Math.max(0, Math.floor((clock() - latest.collectedAt) / 1000));
    switch (path) {
      case "/": {
        // Stale as of this request, not only as of the last refresh (a refresh may still be hanging).
        const sinceGood = latest.lastSuccessAt === null ? null : Math.max(0, Math.floor((clock() - latest.lastSuccessAt) / 1000));
        const stale = latest.status.freshness.stale || (sinceGood !== null && sinceGood * 1000 > 2 * options.poller.intervalMs);
        send(response, 200, "html", renderStatusPage(latest.status, { refreshSeconds: options.pageRefreshSeconds ?? 15, collectedAgoSeconds: agoSeconds, stale: stale ? { sinceGoodSeconds: sinceGood, error: options.poller.lastError ?? latest.status.freshness.error } : null }));
        return;
      }
      case "/api/status":
        send(response, 200, "json", statusJson(latest));
        return;
      case "/api/overview":
        send(response, 200, "json", json(overviewOf(latest.status)));
        return;
      default:
        send(
          response,
          200,
          "json",
          json({
            collector: {
              collectedAt: new Date(latest.collectedAt).toISOString(),
              ageSeconds: agoSeconds,
              intervalSeconds: options.poller.intervalMs / 1000,
              lastSuccessfulRead: latest.lastSuccessAt === null ? null : new Date(latest.lastSuccessAt).toISOString(),
              refreshInFlight: options.poller.busy,
              lastError: options.poller.lastError ?? null,
              accessErrors: latest.accessErrors,
            },
            tiers: latest.status.tiers,
            topBlockers: latest.status.topBlockers,
            components: latest.status.components,
            recentEvents: latest.status.recentEvents,
          }),
        );
    }
  };

  return createServer((request, response) => {
    try {
      handle(request, response);
    } catch (error) {
      send(response, 500, "text", `internal error: ${(error as Error).message}\n`);
    }
  });
}
