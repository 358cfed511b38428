import { createHash } from "node:crypto";
import { npmPurl, type BundledPackage } from "./npm-packages.js";

/** What the document describes: the application the layer holds. */
export interface SbomSubject {
  readonly name: string;
  readonly version: string;
  /** Where its source lives (a repository URL). */
  readonly downloadLocation: string;
  /** The files of the layer: what the SBOM vouches for (their checksums are computed here). */
  readonly files: readonly { readonly path: string; readonly data: Uint8Array }[];
}

export interface SpdxOptions {
  /** RFC 3339 UTC, from SOURCE_DATE_EPOCH, so the same inputs give the same document. */
  readonly created: string;
  /** A URI unique to this document (SPDX `documentNamespace`): derive it from the content. */
  readonly namespace: string;
  /** `Tool: name-version`. */
  readonly creator: string;
}

/** An SPDX 2.3 document as JSON, with only the fields this kit writes. */
export interface SpdxDocument {
  readonly spdxVersion: "SPDX-2.3";
  readonly SPDXID: "SPDXRef-DOCUMENT";
  readonly name: string;
  readonly packages: readonly { readonly SPDXID: string; readonly name: string; readonly versionInfo: string; readonly licenseDeclared: string; readonly externalRefs?: readonly { readonly referenceLocator: string }[]; readonly [key: string]: unknown }[];
  readonly [key: string]: unknown;
}

/** npm licence strings that are SPDX expressions (ids, `AND`/`OR`/`WITH`, parentheses); anything else is NOASSERTION. */
const SPDX_EXPRESSION = /^\(?[A-Za-z0-9.+-]+(?:\s+(?:AND|OR|WITH)\s+\(?[A-Za-z0-9.+-]+\)?)*\)?$/;

function spdxId(kind: string, text: string): string {
  return `SPDXRef-${kind}-${text.replace(/[^A-Za-z0-9.-]+/g, "-")}`;
}

/**
 * An SPDX 2.3 document of an application layer: the application itself (its files with their
 * checksums) and every npm package bundled into it, each with version, declared licence and purl,
 * related by CONTAINS. Same inputs, same bytes.
 */
export function buildSpdxDocument(subject: SbomSubject, packages: readonly BundledPackage[], options: SpdxOptions): SpdxDocument {
  const rootId = spdxId("Package", subject.name);
  const files = [...subject.files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((file) => ({ path: file.path, sha1: hash("sha1", file.data), sha256: hash("sha256", file.data) }));
  const packageIds = packages.map((pkg) => spdxId("Package-npm", `${pkg.path.replace(/node_modules\//g, "")}-${pkg.version}`));
  return {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: `${subject.name}-${subject.version}`,
    documentNamespace: options.namespace,
    creationInfo: { created: options.created, creators: [options.creator] },
    packages: [
      {
        SPDXID: rootId,
        name: subject.name,
        versionInfo: subject.version,
        downloadLocation: subject.downloadLocation,
        filesAnalyzed: true,
        packageVerificationCode: { packageVerificationCodeValue: verificationCode(files) },
        licenseConcluded: "NOASSERTION",
        licenseDeclared: "NOASSERTION",
        copyrightText: "NOASSERTION",
        primaryPackagePurpose: "APPLICATION",
      },
      ...packages.map((pkg, index) => ({
        SPDXID: packageIds[index]!,
        name: pkg.name,
        versionInfo: pkg.version,
        downloadLocation: "NOASSERTION",
        filesAnalyzed: false,
        licenseConcluded: "NOASSERTION",
        licenseDeclared: pkg.license && SPDX_EXPRESSION.test(pkg.license) ? pkg.license : "NOASSERTION",
        copyrightText: "NOASSERTION",
        externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: npmPurl(pkg.name, pkg.version) }],
        primaryPackagePurpose: "LIBRARY",
      })),
    ],
    files: files.map((file) => ({
      SPDXID: spdxId("File", file.path),
      fileName: `./${file.path}`,
      checksums: [
        { algorithm: "SHA1", checksumValue: file.sha1 },
        { algorithm: "SHA256", checksumValue: file.sha256 },
      ],
      licenseConcluded: "NOASSERTION",
      copyrightText: "NOASSERTION",
    })),
    relationships: [
      { spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: rootId },
      ...files.map((file) => ({ spdxElementId: rootId, relationshipType: "CONTAINS", relatedSpdxElement: spdxId("File", file.path) })),
      ...packageIds.map((id) => ({ spdxElementId: rootId, relationshipType: "CONTAINS", relatedSpdxElement: id })),
    ],
  };
}

function hash(algorithm: "sha1" | "sha256", data: Uint8Array | string): string {
  return createHash(algorithm).update(data).digest("hex");
}

/** SPDX 2.3 §7.9: SHA-1 of the files' SHA-1s, sorted and concatenated. */
function verificationCode(files: readonly { readonly sha1: string }[]): string {
  return hash("sha1", files.map((file) => file.sha1).sort().join(""));
}
