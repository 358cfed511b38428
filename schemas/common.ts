import { z } from "zod";
import { DIGEST_TAG_PATTERN, REPOSITORY_NAME_GRAMMAR, SHA256_DIGEST_GRAMMAR, SHA256_DIGEST_PATTERN, TAG_GRAMMAR, TAG_PATTERN } from "../src/oci/registry-reference.js";

/** OCI distribution-spec tag grammar (defined once, in src/oci/registry-reference.ts). */
const OCI_TAG_PATTERN = TAG_PATTERN;

/** sha256 content digest, the only algorithm the kit writes or accepts. */
export const Digest = z
  .string()
  .regex(SHA256_DIGEST_PATTERN, { error: "must be a sha256 digest: sha256: followed by 64 lowercase hex characters" })
  .describe("A sha256 content digest.");

/**
 * A release version. It becomes the OCI tag of the config bundle and the release manifest,
 * so it must be a valid OCI tag; it must start with a digit so that it can never be
 * mistaken for (or overwrite) a channel tag such as `stable`.
 */
export const ReleaseVersion = z
  .string({ error: "is required: the release version, e.g. 1.0-rc5 or 1.2.3" })
  .regex(OCI_TAG_PATTERN, {
    error: "must be a valid OCI tag (letters, digits, '.', '_' and '-', at most 128 characters, not starting with '.' or '-')",
  })
  .regex(/^[0-9]/, { error: "must start with a digit (e.g. 1.0-rc5 or 1.2.3), so it can never collide with a channel tag" })
  .describe("Release version; also the OCI tag of the published artifacts.");

/** A channel tag such as `stable` or `nightly`: an OCI tag that does not look like a version. */
export const ChannelName = z
  .string()
  .regex(OCI_TAG_PATTERN, { error: "must be a valid OCI tag" })
  .regex(/^[a-zA-Z]/, { error: "must start with a letter, so it can never collide with a release version" })
  .refine((name) => !DIGEST_TAG_PATTERN.test(name), { error: "is a signature or referrers tag (sha256-<hex>[.sig]), not a channel" })
  .describe("Channel tag name, e.g. stable or nightly.");

/** Lower-case DNS label, used for Kubernetes object names. */
export const DnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: "must be a lower-case DNS label (a-z, 0-9 and '-')" })
  .max(63);

const IMAGE_PATTERN = new RegExp(
  `^(?<registry>(?:[a-zA-Z0-9-]+\\.)+[a-zA-Z0-9-]+(?::[0-9]+)?|localhost(?::[0-9]+)?|[a-zA-Z0-9-]+:[0-9]+)\\/` +
    `(?<repository>${REPOSITORY_NAME_GRAMMAR})(?::(?<tag>${TAG_GRAMMAR}))?(?:@(?<digest>${SHA256_DIGEST_GRAMMAR}))?$`,
);

/** A container image reference split into its parts. */
export interface ImageParts {
  readonly registry: string;
  readonly repository: string;
  readonly tag: string;
  readonly digest?: string;
}

/** Splits a full image reference; undefined when it is not `registry/repository[:tag][@sha256:…]`. */
export function parseImageReference(reference: string): (Omit<ImageParts, "tag"> & { tag?: string }) | undefined {
  const groups = IMAGE_PATTERN.exec(reference)?.groups;
  if (!groups?.registry || !groups.repository) return undefined;
  return {
    registry: groups.registry,
    repository: groups.repository,
    ...(groups.tag ? { tag: groups.tag } : {}),
    ...(groups.digest ? { digest: groups.digest } : {}),
  };
}

/**
 * A full image reference: `registry/repository:tag`, optionally `@sha256:…`.
 * The registry host is explicit (no implicit docker.io) and the tag is never `latest`,
 * because an appliance must get exactly the image the release was tested with.
 */
export const ImageReference = z
  .string({ error: "is required: a full image reference such as ghcr.io/nine-minds/alga-psa-ee:94446747" })
  .superRefine((value, ctx) => {
    const parts = parseImageReference(value);
    if (!parts) {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" is not a full image reference: write registry/repository:tag (e.g. ghcr.io/nine-minds/alga-psa-ee:94446747), optionally followed by @sha256:<digest>`,
      });
      return;
    }
    if (!parts.tag) {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" has no tag: pin the exact build, e.g. ${parts.registry}/${parts.repository}:<tag>`,
      });
    } else if (parts.tag === "latest") {
      ctx.addIssue({
        code: "custom",
        message: `"${value}" uses the moving tag "latest": pin the exact build tag (and optionally @sha256:<digest>)`,
      });
    }
  })
  .meta({
    description: "Full image reference registry/repository:tag[@sha256:digest]; never 'latest'.",
    // Refinements do not reach JSON Schema; these keywords carry the same rules to ajv.
    pattern: IMAGE_PATTERN.source.replace(/\?<[a-z]+>/g, ""),
    not: { pattern: `:latest(@${SHA256_DIGEST_GRAMMAR})?$` },
  });

/** Parses a reference already validated by `ImageReference`. */
export function imageParts(reference: string): ImageParts {
  const parts = parseImageReference(reference);
  if (!parts?.tag) throw new Error(`invalid image reference "${reference}"`);
  return { ...parts, tag: parts.tag };
}

/** An `oci://host/path` URL, as used by Flux sources. */
export const OciUrl = z
  .string()
  .regex(/^oci:\/\/[a-zA-Z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+$/, {
    error: "must be an oci:// URL such as oci://ghcr.io/nine-minds/charts",
  });

/** Helm chart versions are SemVer 2. */
export const ChartVersion = z
  .string()
  .regex(/^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/, {
    error: "must be a SemVer chart version such as 1.4.2",
  });

/** Arbitrary Helm values: a YAML/JSON object. */
export const HelmValues = z.record(z.string(), z.unknown()).describe("Helm values (an object).");
export type HelmValues = z.infer<typeof HelmValues>;
