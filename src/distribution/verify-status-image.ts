import { UserError } from "../errors.js";
import { verifySbomAttestation, type VerifiedSbom } from "../image/sbom-attestation.js";
import { SignatureVerificationError, type TrustedKey } from "../signing/verify-artifact.js";
import type { StatusImageTarget } from "./status-image-target.js";

export interface VerifiedStatusImage {
  readonly reference: string;
  readonly digest: string;
  readonly sbom: VerifiedSbom;
}

/**
 * Checks the status image stored under `tag`: an SBOM attestation by one of `keys` whose in-toto
 * statement names exactly this index digest and repository, holding an SPDX 2.3 document.
 */
export async function verifyStatusImage(target: StatusImageTarget, tag: string, keys: readonly TrustedKey[]): Promise<VerifiedStatusImage> {
  const descriptor = await target.repository.resolve(tag);
  if (!descriptor) throw new UserError(`${target.repository.location}:${tag} does not exist: build it with npm run image -- --service status --release ${tag}`);
  const result = await verifySbomAttestation(target.repository, descriptor.digest, target.dockerReference, keys);
  if (!result.ok) {
    throw new SignatureVerificationError(
      `${target.dockerReference}:${tag}@${descriptor.digest} has no SBOM attestation that verifies:\n${result.reasons.map((reason) => `  ${reason}`).join("\n")}`,
      result.reasons,
    );
  }
  return { reference: `${target.dockerReference}:${tag}@${descriptor.digest}`, digest: descriptor.digest, sbom: result.sbom };
}
