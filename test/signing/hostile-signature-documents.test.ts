/**
 * Signature documents come from the registry before anything has verified them. A referrers index
 * or a signature manifest that is not JSON, not the right shape, or full of non-descriptors is
 * refused with a typed error (InvalidArtifactError, which the commands report as a refusal, not as
 * an unexpected failure) naming the tag, never a bare SyntaxError or TypeError.
 */
import { describe, expect, it } from "vitest";
import { buildArtifact } from "../../src/oci/build-artifact.js";
import { openLayoutRepository } from "../../src/oci/layout.js";
import { OCI_IMAGE_INDEX } from "../../src/oci/media-types.js";
import type { ContentRepository } from "../../src/oci/types.js";
import { referrersTag } from "../../src/signing/bundle-referrer.js";
import { signatureTag } from "../../src/signing/cosign-format.js";
import { generateSigningKey } from "../../src/signing/signing-keys.js";
import { verifyArtifact } from "../../src/signing/verify-artifact.js";
import { tempDir } from "../support/temp-dir.js";

const vendor = generateSigningKey();
const layoutDir = tempDir();
let counter = 0;

async function artifact(): Promise<{ repository: ContentRepository; digest: string }> {
  const repository = openLayoutRepository(layoutDir, `hostile/thing-${++counter}`);
  const built = buildArtifact({
    config: { mediaType: "application/vnd.example.config.v1+json", data: new TextEncoder().encode(`{"n":${counter}}`) },
    layers: [{ mediaType: "application/vnd.example.layer.v1", data: new TextEncoder().encode(`content ${counter}`) }],
  });
  for (const blob of [built.config, ...built.layers]) await repository.pushBlob(blob.descriptor, blob.data);
  await repository.pushManifest(built.manifest.data, built.manifest.descriptor.mediaType, built.manifest.descriptor.digest);
  return { repository, digest: built.manifest.descriptor.digest };
}

const text = (value: string) => new TextEncoder().encode(value);

describe("hostile signature documents", () => {
  it.each([
    ["a referrers index that is not JSON", (digest: string) => referrersTag(digest), "application/x-junk", "{ not json", /referrers index is not JSON/],
    ["a referrers index without manifests", (digest: string) => referrersTag(digest), "application/x-junk", '{"schemaVersion":2}', /is not an image index/],
    ["a signature manifest that is not JSON", (digest: string) => signatureTag(digest), "application/x-junk", "{ not json", /signature manifest is not JSON/],
    ["a signature manifest that is no image", (digest: string) => signatureTag(digest), "application/x-junk", '{"schemaVersion":2}', /not a signature image/],
    [
      "a signature manifest whose layers are not descriptors",
      (digest: string) => signatureTag(digest),
      "application/x-junk",
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[null]}',
      /a layer of the signature image is not a descriptor/,
    ],
  ])("%s is an InvalidArtifactError naming the tag", async (_, tagOf, mediaType, body, message) => {
    const { repository, digest } = await artifact();
    await repository.pushManifest(text(body), mediaType, tagOf(digest));
    const error = (await verifyArtifact(repository, "hostile/thing", digest, [vendor]).catch((caught: unknown) => caught)) as Error;
    expect(error.name).toBe("InvalidArtifactError");
    expect(error.message).toMatch(message);
    expect(error.message).toContain(tagOf(digest));
  });

  it("a referrers index listing non-descriptors is refused as an invalid artifact naming the field, not crashed", async () => {
    const { repository, digest } = await artifact();
    await repository.pushManifest(text(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [null, 7] })), "application/x-junk", referrersTag(digest));
    const error = (await verifyArtifact(repository, "hostile/thing", digest, [vendor]).catch((caught: unknown) => caught)) as Error;
    expect(error.name).toBe("InvalidArtifactError");
    expect(error.message).toContain(`${referrersTag(digest)} is not an image index of referrers: manifests.0`);
  });
});
