import { z } from "zod";
import { Digest } from "../../schemas/common.js";
import { ReleaseDefinition } from "../../schemas/release.js";
import { ValuesProfile } from "../../schemas/profile.js";
import { ReleaseLock } from "../../schemas/release-lock.js";

/**
 * What synth rendered a release from, as it read and validated it: the release definition, its
 * values profile and its lock (when the release has one). Synth stages it beside the release's OCI
 * layouts, so publish works from what was rendered without parsing the release files again (the
 * YAML reader and its parse were ~15 ms of a cold publish on the 2-core machine). Read back, it is
 * validated with the same schemas: a file in dist/ is input like any other. It names the release
 * artifact they rendered, so inputs from another synth run (or another release) are refused.
 */
export const StagedReleaseInputs = z.strictObject({
  releaseArtifact: Digest.describe("Digest of the release artifact's OCI manifest these inputs rendered."),
  definition: ReleaseDefinition,
  profile: ValuesProfile,
  lock: ReleaseLock.optional(),
});
export type StagedReleaseInputs = z.infer<typeof StagedReleaseInputs>;
