import { ANNOTATION_CREATED, ANNOTATION_REVISION, ANNOTATION_SOURCE } from "../oci/annotations.js";
import { buildArtifact, type BuiltArtifact } from "../oci/build-artifact.js";
import { FLUX_CONFIG_MEDIA_TYPE, FLUX_CONTENT_MEDIA_TYPE } from "../oci/media-types.js";
import { deterministicGzip } from "./gzip.js";
import { createDeterministicTar } from "./tar-writer.js";

export interface ConfigBundleInput {
  /** Files of the tree, paths relative to its root. */
  readonly files: readonly { readonly path: string; readonly data: Uint8Array }[];
  readonly source: string;
  readonly revision: string;
  /** Seconds since the epoch: the entries' mtime and the `created` annotation. */
  readonly createdEpochSeconds: number;
}

/** Seconds since the epoch of 10000-01-01T00:00:00Z: four-digit years end there. */
const YEAR_10000 = 253_402_300_800;

/**
 * `created` as RFC 3339 UTC, independent of the time zone. Whole seconds from 1970 to 9999 are
 * formatted by arithmetic (days to a civil date): the first Date operation of a process loads the
 * time-zone data, ~4 ms of every synth, which a UTC timestamp never needs. Other values go through
 * Date, with the same text as before.
 */
export function rfc3339(epochSeconds: number): string {
  if (!Number.isInteger(epochSeconds) || epochSeconds < 0 || epochSeconds >= YEAR_10000) {
    return new Date(epochSeconds * 1000).toISOString().replace(/\.000Z$/, "Z");
  }
  const days = Math.floor(epochSeconds / 86_400);
  const secondOfDay = epochSeconds - days * 86_400;
  // Civil date from days since 1970-01-01 (proleptic Gregorian, eras of 400 years).
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const two = (value: number) => String(value).padStart(2, "0");
  const time = `${two(Math.floor(secondOfDay / 3600))}:${two(Math.floor((secondOfDay % 3600) / 60))}:${two(secondOfDay % 60)}`;
  return `${String(year).padStart(4, "0")}-${two(month)}-${two(day)}T${time}Z`;
}

/**
 * A Flux config bundle: one deterministic tar+gzip layer of the tree, Flux's config media type,
 * source/revision/created annotations. The same tree and inputs give the same digests anywhere.
 */
export function buildConfigBundle(input: ConfigBundleInput): BuiltArtifact {
  const tar = createDeterministicTar(
    input.files.map((file) => ({ type: "file" as const, path: file.path, data: file.data })),
    { mtime: input.createdEpochSeconds },
  );
  return buildArtifact({
    config: { mediaType: FLUX_CONFIG_MEDIA_TYPE, data: new TextEncoder().encode("{}") },
    layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: deterministicGzip(tar) }],
    annotations: {
      [ANNOTATION_SOURCE]: input.source,
      [ANNOTATION_REVISION]: input.revision,
      [ANNOTATION_CREATED]: rfc3339(input.createdEpochSeconds),
    },
  });
}
