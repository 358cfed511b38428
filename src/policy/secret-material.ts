/** Environment variable names that hold credentials. */
export const CREDENTIAL_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|ACCESS_KEY|PRIVATE_KEY|SIGNING_KEY|API_?KEY)/i;
/** Keys whose string value is a credential whatever it looks like. */
const CREDENTIAL_KEY = /(password|passwd|secret|token|api[-_]?key|private[-_]?key|access[-_]?key|signing[-_]?key|credential)/i;
/** Keys that may hold a credential; their value is flagged when it looks random (high entropy). */
const CREDENTIAL_LIKE_KEY = /(key|auth|salt|cookie|dsn|connection[-_]?string|cert)/i;
/**
 * Keys that name where a credential lives (a Secret, a key in it) or describe it (its URL, type,
 * lifetime), not the credential itself.
 */
const REFERENCE_KEY =
  /(^existing|secretname$|secretref$|keyref$|name$|ref$|^secret[-_]?key$|path$|file$|enabled$|^kind$|url$|uri$|endpoint$|issuer$|audience$|ttl$|expiry$|duration$|lifetime$|header$|type$|mode$|format$|length$)/i;
export const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** Shannon entropy in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Long, varied strings without spaces: what generated passwords, tokens and keys look like. */
function looksRandom(value: string): boolean {
  return value.length >= 16 && !/\s/.test(value) && entropy(value) >= 3.5;
}

/**
 * Why the literal `value` under `key` is secret material, or undefined when it is not: a private
 * key PEM block anywhere, any literal under a credential key (password, secret, token, apiKey, …),
 * a random-looking literal under a credential-like key (key, auth, salt, dsn, …).
 */
export function secretMaterial(key: string, value: string): string | undefined {
  if (PEM_PRIVATE_KEY.test(value)) return "a private key (PEM block) is written literally";
  if (value === "" || REFERENCE_KEY.test(key)) return undefined;
  if (CREDENTIAL_KEY.test(key)) return `the credential "${key}" has a literal value`;
  if (CREDENTIAL_LIKE_KEY.test(key) && looksRandom(value)) return `"${key}" holds a random-looking literal (a credential?)`;
  return undefined;
}
