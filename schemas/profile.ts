import { z } from "zod";
import { DnsLabel, HelmValues } from "./common.js";
import { ComponentName } from "./components.js";

/** `releases/profiles/<name>.yaml`: Helm value overrides per component for one kind of install. */
export const ValuesProfile = z
  .strictObject({
    name: DnsLabel.describe("Profile name; must match the file name."),
    description: z.string().optional(),
    values: z.partialRecord(ComponentName, HelmValues).default({}).describe("Helm values per component."),
  })
  .describe("A values profile.");
export type ValuesProfile = z.infer<typeof ValuesProfile>;
