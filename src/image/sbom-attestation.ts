import { INTOTO_PAYLOAD_TYPE, SIGSTORE_BUNDLE_MEDIA_TYPE } from "../oci/media-types.js";
import type { ContentRepository, Descriptor } from "../oci/types.js";
import { signPayload, verifyPayload } from "../signing/ecdsa-signature.js";
import type { SigningKey } from "../signing/signing-keys.js";
import { dssePae, INTOTO_STATEMENT_TYPE } from "../signing/sigstore-bundle.js";
import type { TrustedKey } from "../signing/verify-artifact.js";
import { attachReferrer, listReferrers, readReferrerLayer } from "./referrers.js";
import type { SpdxDocument } from "./spdx-sbom.js";

/** The in-toto predicate type of an SPDX document (what `cosign attest --type spdxjson` writes). */
const SPDX_PREDICATE_TYPE = "https://spdx.dev/Document";

/** The in-toto v1 statement: the SBOM is the predicate, the image index (named by its repository) the subject. */
function sbomStatement(sbom: SpdxDocument, subject: { readonly name: string; readonly digest: string }): Uint8Array {
  const [algorithm, hex] = subject.digest.split(":");
  return new TextEncoder().encode(
    JSON.stringify({ _type: INTOTO_STATEMENT_TYPE, subject: [{ name: subject.name, digest: { [algorithm!]: hex } }], predicateType: SPDX_PREDICATE_TYPE, predicate: sbom }),
  );
}

function bundleFor(statement: Uint8Array, key: SigningKey): Uint8Array {
  const signature = signPayload(key.privateKey, dssePae(INTOTO_PAYLOAD_TYPE, statement));
  return new TextEncoder().encode(
    JSON.stringify({
      mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
      verificationMaterial: { publicKey: { hint: key.fingerprint } },
      dsseEnvelope: { payload: Buffer.from(statement).toString("base64"), payloadType: INTOTO_PAYLOAD_TYPE, signatures: [{ sig: Buffer.from(signature).toString("base64") }] },
    }),
  );
}

/** What a bundle's envelope holds, when one of `keys` signed it: the statement bytes and the key. */
function openBundle(bytes: Uint8Array, keys: readonly TrustedKey[]): { statement: Uint8Array; fingerprint: string } | { problem: string } {
  let bundle: { mediaType?: unknown; dsseEnvelope?: { payload?: unknown; payloadType?: unknown; signatures?: unknown } };
  try {
    bundle = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return { problem: "the attestation is not JSON" };
  }
  const envelope = bundle?.dsseEnvelope;
  if (bundle?.mediaType !== SIGSTORE_BUNDLE_MEDIA_TYPE || envelope?.payloadType !== INTOTO_PAYLOAD_TYPE || typeof envelope.payload !== "string" || !Array.isArray(envelope.signatures)) {
    return { problem: "the attestation is not a sigstore bundle with an in-toto DSSE envelope" };
  }
  const statement = Buffer.from(envelope.payload, "base64");
  const pae = dssePae(INTOTO_PAYLOAD_TYPE, statement);
  for (const entry of envelope.signatures as { sig?: unknown }[]) {
    if (typeof entry?.sig !== "string") continue;
    const key = keys.find((candidate) => verifyPayload(candidate.publicKey, pae, Buffer.from(entry.sig as string, "base64")));
    if (key) return { statement, fingerprint: key.fingerprint };
  }
  return { problem: "the attestation's signature does not verify with any given key" };
}

/**
 * Attaches the SBOM twice, as cosign's tools do: the SPDX document itself as a referrer
 * (artifactType `application/spdx+json`, what `oras discover` and scanners list), and a cosign
 * attestation of it (a sigstore bundle, DSSE envelope over the in-toto statement, signed with the
 * release key) as a second referrer. ECDSA signatures differ on every run, so an attestation by
 * this key of this very statement is looked for first: an unchanged image gets nothing new.
 */
export async function attachSbom(
  repository: ContentRepository,
  subject: Descriptor,
  dockerReference: string,
  sbom: SpdxDocument,
  sbomMediaType: string,
  key?: SigningKey,
): Promise<{ readonly sbom: Descriptor; readonly attestation?: Descriptor; readonly pushed: number }> {
  const sbomBytes = new TextEncoder().encode(JSON.stringify(sbom));
  const plain = await attachReferrer(repository, subject, sbomMediaType, { mediaType: sbomMediaType, data: sbomBytes });
  let pushed = plain.pushed ? 1 : 0;
  if (!key) return { sbom: plain.descriptor, pushed };
  const statement = sbomStatement(sbom, { name: dockerReference, digest: subject.digest });
  for (const entry of await listReferrers(repository, subject.digest)) {
    if (entry.artifactType !== SIGSTORE_BUNDLE_MEDIA_TYPE) continue;
    const bytes = await readReferrerLayer(repository, entry, subject.digest, SIGSTORE_BUNDLE_MEDIA_TYPE).catch(() => undefined);
    const opened = bytes && openBundle(bytes, [key]);
    if (opened && "statement" in opened && Buffer.compare(Buffer.from(opened.statement), Buffer.from(statement)) === 0) return { sbom: plain.descriptor, attestation: entry, pushed };
  }
  const attestation = await attachReferrer(
    repository,
    subject,
    SIGSTORE_BUNDLE_MEDIA_TYPE,
    { mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE, data: bundleFor(statement, key) },
    { "dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": SPDX_PREDICATE_TYPE },
  );
  if (attestation.pushed) pushed++;
  return { sbom: plain.descriptor, attestation: attestation.descriptor, pushed };
}

/** A verified SBOM attestation: the key, the referrer and what the SBOM lists. */
export interface VerifiedSbom {
  readonly fingerprint: string;
  readonly attestation: string;
  readonly document: string;
  readonly packages: readonly { readonly name: string; readonly version: string; readonly license: string; readonly purl?: string }[];
}

/**
 * Finds an SPDX attestation of `digest` that verifies with one of `keys`, whose statement names
 * exactly this digest and repository. Returns what the SBOM holds, or the reasons none verified.
 */
export async function verifySbomAttestation(
  repository: ContentRepository,
  digest: string,
  dockerReference: string,
  keys: readonly TrustedKey[],
): Promise<{ readonly ok: true; readonly sbom: VerifiedSbom } | { readonly ok: false; readonly reasons: readonly string[] }> {
  const reasons: string[] = [];
  const [algorithm, hex] = digest.split(":");
  for (const entry of await listReferrers(repository, digest)) {
    if (entry.artifactType !== SIGSTORE_BUNDLE_MEDIA_TYPE) continue;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await readReferrerLayer(repository, entry, digest, SIGSTORE_BUNDLE_MEDIA_TYPE);
    } catch (error) {
      reasons.push(`${entry.digest}: cannot be read intact (${(error as Error).message})`);
      continue;
    }
    if (!bytes) {
      reasons.push(`${entry.digest}: not a sigstore bundle referring to ${digest}`);
      continue;
    }
    const opened = openBundle(bytes, keys);
    if ("problem" in opened) {
      reasons.push(`${entry.digest}: ${opened.problem}`);
      continue;
    }
    let statement: { _type?: unknown; predicateType?: unknown; subject?: { name?: unknown; digest?: Record<string, unknown> }[]; predicate?: SpdxDocument };
    try {
      statement = JSON.parse(Buffer.from(opened.statement).toString("utf8"));
    } catch {
      reasons.push(`${entry.digest}: the statement is not JSON`);
      continue;
    }
    if (statement._type !== INTOTO_STATEMENT_TYPE || statement.predicateType !== SPDX_PREDICATE_TYPE) {
      reasons.push(`${entry.digest}: not an in-toto ${SPDX_PREDICATE_TYPE} statement`);
      continue;
    }
    const named = Array.isArray(statement.subject) && statement.subject.some((s) => s?.digest?.[algorithm!] === hex && s.name === dockerReference);
    if (!named) {
      reasons.push(`${entry.digest}: the statement's subject is not ${dockerReference}@${digest}`);
      continue;
    }
    const document = statement.predicate;
    if (document?.spdxVersion !== "SPDX-2.3" || !Array.isArray(document.packages)) {
      reasons.push(`${entry.digest}: the predicate is not an SPDX 2.3 document`);
      continue;
    }
    return {
      ok: true,
      sbom: {
        fingerprint: opened.fingerprint,
        attestation: `${repository.location}@${entry.digest}`,
        document: String(document.name),
        packages: document.packages.map((pkg) => ({
          name: String(pkg.name),
          version: String(pkg.versionInfo),
          license: String(pkg.licenseDeclared),
          ...(pkg.externalRefs?.[0] ? { purl: String(pkg.externalRefs[0].referenceLocator) } : {}),
        })),
      },
    };
  }
  if (reasons.length === 0) reasons.push(`no SBOM attestation refers to ${digest}`);
  return { ok: false, reasons };
}
