/**
 * A token service's answer (distribution token spec, OAuth2 token response), parsed into a typed
 * value or refused with a TokenServiceError naming the realm. The realm is any host a registry
 * names, so its answer is untrusted JSON like any other.
 */
import { z } from "zod";

/** The token service refused to issue a token, or answered something that is not a token. */
export class TokenServiceError extends Error {
  constructor(
    readonly status: number,
    readonly realm: string,
    message: string,
  ) {
    super(message);
    this.name = "TokenServiceError";
  }
}

export interface TokenAnswer {
  readonly token: string;
  /** Seconds; the spec's 60 when the answer names none. */
  readonly lifetimeSeconds: number;
}

/** Tokens with no `expires_in` live 60 s, per the distribution token spec. */
const DEFAULT_TOKEN_LIFETIME_S = 60;

/**
 * `token` (distribution) or `access_token` (OAuth2), the first that is a non-empty string; an
 * `expires_in` that is not a positive number counts as absent, as docker reads it.
 */
const TokenAnswerJson = z.object({
  token: z.string().min(1).optional().catch(undefined),
  access_token: z.string().min(1).optional().catch(undefined),
  expires_in: z.number().positive().finite().optional().catch(undefined),
});

/** What goes into `Authorization: Bearer …`: visible ASCII only, so an answer cannot smuggle header lines. */
const HEADER_SAFE_TOKEN = /^[\x21-\x7e]+$/;

export function parseTokenAnswer(bytes: Uint8Array, realm: string): TokenAnswer {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new TokenServiceError(200, realm, `token service ${realm} answered something that is not JSON`);
  }
  const parsed = TokenAnswerJson.safeParse(json);
  const token = parsed.success ? (parsed.data.token ?? parsed.data.access_token) : undefined;
  if (token === undefined) throw new TokenServiceError(200, realm, `token service ${realm} answered without a token`);
  if (!HEADER_SAFE_TOKEN.test(token)) {
    throw new TokenServiceError(200, realm, `token service ${realm} answered a token with characters an HTTP header cannot carry (spaces, line breaks or non-ASCII); refusing it`);
  }
  return { token, lifetimeSeconds: parsed.data!.expires_in ?? DEFAULT_TOKEN_LIFETIME_S };
}
