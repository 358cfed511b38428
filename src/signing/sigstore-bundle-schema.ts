/**
 * The parts of a sigstore bundle (v0.3, key-signed, DSSE) and of its in-toto statement that our
 * verifier reads, as zod schemas: registry content is parsed into typed values, and anything else
 * is a typed refusal naming the field, never an `any` read.
 */
import { z } from "zod";
import { INTOTO_PAYLOAD_TYPE, SIGSTORE_BUNDLE_MEDIA_TYPE, SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX } from "../oci/media-types.js";
import { decodeStrictBase64 } from "./strict-base64.js";

/** Both spellings sigstore-go reads for bundle v0.3. */
const SIGSTORE_BUNDLE_V03_MEDIA_TYPES = [SIGSTORE_BUNDLE_MEDIA_TYPE, `${SIGSTORE_BUNDLE_MEDIA_TYPE_PREFIX}+json;version=0.3`] as const;

/** Canonical padded standard base64, decoded. */
const StrictBase64 = z.string().transform((text, context) => {
  const bytes = decodeStrictBase64(text);
  if (!bytes) {
    context.addIssue({ code: "custom", message: "is not canonical padded standard base64" });
    return z.NEVER;
  }
  return bytes;
});

export const SigstoreBundle = z.object({
  mediaType: z.enum(SIGSTORE_BUNDLE_V03_MEDIA_TYPES),
  verificationMaterial: z.object({ publicKey: z.object({ hint: z.string().optional() }).optional() }).loose(),
  dsseEnvelope: z.object({
    payload: StrictBase64,
    payloadType: z.literal(INTOTO_PAYLOAD_TYPE),
    signatures: z.array(z.object({ sig: StrictBase64, keyid: z.string().optional() })).min(1).max(16),
  }),
});
export type SigstoreBundle = z.infer<typeof SigstoreBundle>;

export const InTotoStatement = z.object({
  _type: z.string(),
  predicateType: z.string(),
  subject: z.array(z.object({ name: z.string().optional(), digest: z.record(z.string(), z.string()) })).min(1).max(1000),
});
export type InTotoStatement = z.infer<typeof InTotoStatement>;

/** The first issue of a failed parse as `field: message`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`;
}
