import { z } from "zod";

/**
 * A policy check the release knowingly breaks, and why. Waivers live only in the release file so
 * that every exception is reviewed with the release; synth and the release manifest list them.
 * Its own module: the release manifest (read by pull and the status service) needs it, not the
 * whole release definition.
 */
export const PolicyWaiver = z
  .strictObject({
    policy: z
      .string()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { error: "must be a policy id such as restricted-pod-security" })
      .describe("Id of the waived policy, as synth prints it in brackets."),
    object: z.string().min(1).describe("The object as synth names it: `Kind namespace/name`."),
    fields: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe("Field paths waived (a path also waives everything below it); omit to waive the policy for the whole object."),
    reason: z.string().trim().min(10, { error: "must say why the check is waived (at least 10 characters)" }).describe("Why the exception is needed."),
  })
  .describe("A policy waiver: which check, which object (and fields), and why.");
export type PolicyWaiver = z.infer<typeof PolicyWaiver>;
