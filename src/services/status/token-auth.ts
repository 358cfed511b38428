import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

/** Tokens shorter than this are treated as not provisioned: a guessable token guards nothing. */
const MIN_TOKEN_LENGTH = 16;
/** Estimated bits below which a token is refused like a missing one (sixteen "a" carry none). */
const MIN_TOKEN_BITS = 48;
const MIN_DISTINCT_CHARACTERS = 8;

/**
 * An estimate of the guessing work a token takes: its length times the Shannon entropy of its
 * own characters. It cannot see a memorable phrase, but it refuses the repeats and short cycles
 * someone types by hand ("aaaaaaaaaaaaaaaa", "abababababababab").
 */
function estimatedBits(token: string): number {
  const counts = new Map<string, number>();
  for (const c of token) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perCharacter = 0;
  for (const n of counts.values()) perCharacter -= (n / token.length) * Math.log2(n / token.length);
  return perCharacter * token.length;
}

/** Why a token cannot be used, or undefined when it can. */
function tokenProblem(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH) return `the token is ${token.length} characters long; at least ${MIN_TOKEN_LENGTH} are needed`;
  const distinct = new Set(token).size;
  const bits = Math.floor(estimatedBits(token));
  if (distinct < MIN_DISTINCT_CHARACTERS || bits < MIN_TOKEN_BITS) {
    return `the token is too easy to guess (${distinct} distinct characters, about ${bits} bits; at least ${MIN_DISTINCT_CHARACTERS} and ${MIN_TOKEN_BITS} are needed): write a random one, e.g. openssl rand -hex 32`;
  }
  return undefined;
}

/** Name of the session cookie set after a `?token=` visit. */
export const SESSION_COOKIE = "appliance_status_session";

/**
 * The token, read from the file the control plane's Secret is mounted at. Re-read every few
 * seconds (the kubelet updates Secret volumes in place), so rotating the token needs no restart
 * and a Secret written after the pod started is picked up.
 */
export class TokenFile {
  private token: string | undefined;
  private why = "not read yet";
  private readAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly path: string,
    private readonly recheckMs = 5_000,
  ) {}

  /** The current token, or undefined while none (or an unusable one) is provisioned. */
  current(now = Date.now()): string | undefined {
    if (now - this.readAt < this.recheckMs) return this.token;
    this.readAt = now;
    try {
      const text = readFileSync(this.path, "utf8").trim();
      const problem = text === "" ? "the token file is empty" : tokenProblem(text);
      this.token = problem ? undefined : text;
      this.why = problem ?? "";
    } catch (error) {
      this.token = undefined;
      this.why = `the token file ${this.path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    }
    return this.token;
  }

  /** Why there is no usable token (for the 503 diagnostic); empty when there is one. */
  problem(now = Date.now()): string {
    return this.current(now) ? "" : this.why;
  }
}

/** Constant-time comparison: the time taken does not depend on where two strings differ. */
function safeEqual(presented: string, expected: string): boolean {
  // Hash both first so inputs of different lengths still take the same path.
  const a = createHmac("sha256", "appliance-status-compare").update(presented).digest();
  const b = createHmac("sha256", "appliance-status-compare").update(expected).digest();
  return timingSafeEqual(a, b) && presented.length === expected.length;
}

/** The cookie value for a token: derived, so the token itself never sits in the browser's cookie jar. */
export function sessionValue(token: string): string {
  return createHmac("sha256", token).update("appliance-status-session-v1").digest("base64url");
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

/** How a request presented credentials. */
export type Presented = { kind: "none" } | { kind: "bearer" | "query" | "cookie"; value: string };

export function presentedCredentials(authorization: string | undefined, queryToken: string | null, cookieHeader: string | undefined): Presented {
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
  if (bearer) return { kind: "bearer", value: bearer[1]!.trim() };
  if (queryToken !== null) return { kind: "query", value: queryToken };
  const session = parseCookies(cookieHeader)[SESSION_COOKIE];
  if (session) return { kind: "cookie", value: session };
  return { kind: "none" };
}

/** True when the presented credentials match the token. */
export function credentialsValid(presented: Presented, token: string): boolean {
  if (presented.kind === "none") return false;
  return presented.kind === "cookie" ? safeEqual(presented.value, sessionValue(token)) : safeEqual(presented.value, token);
}
