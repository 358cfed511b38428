import { z } from "zod";
import { ChannelName, Digest, ReleaseVersion } from "./common.js";

/** Media type of a channel statement when it is the config blob of its OCI artifact. */
export const CHANNEL_STATEMENT_MEDIA_TYPE = "application/vnd.nineminds.alga-appliance.channel-statement.v1+json";
/** artifactType of a channel statement's OCI manifest. */
export const CHANNEL_STATEMENT_ARTIFACT_TYPE = "application/vnd.nineminds.alga-appliance.channel-statement.v1";

/** RFC 3339 UTC time with second precision, as statements write it: 2026-12-05T20:00:00Z. */
const UtcTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, { error: "must be an RFC 3339 UTC time such as 2026-12-05T20:00:00Z" });

/**
 * A channel statement: the vendor's signed word that `channel` points at `release`. A signature on
 * a release binds a digest to a repository, not to a channel; this binds the channel, and its
 * sequence number and expiry let an appliance refuse a channel moved back (rollback) or held still
 * (freeze) by someone who can only write to the registry.
 */
export const ChannelStatement = z
  .strictObject({
    schemaVersion: z.literal(1),
    channel: ChannelName,
    release: z.strictObject({
      version: ReleaseVersion,
      digest: Digest.describe("Digest of the release artifact's OCI manifest."),
    }),
    sequence: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe("Grows by one with every statement for the channel; an appliance refuses a lower one than it accepted."),
    issuedAt: UtcTime,
    expiresAt: UtcTime.describe("An appliance refuses the statement from this time on: the vendor re-issues statements (promote) before then."),
    rollback: z.boolean().describe("True when the vendor deliberately points the channel at a lower version than before."),
  })
  .refine((statement) => statement.expiresAt > statement.issuedAt, { error: "expiresAt must be after issuedAt", path: ["expiresAt"] })
  .describe("Alga appliance channel statement.");
export type ChannelStatement = z.infer<typeof ChannelStatement>;
