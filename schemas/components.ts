import { z } from "zod";

/** The Helm releases an appliance release is made of, in install order. */
export const COMPONENT_NAMES = [
  "alga-core",
  "pgbouncer",
  "temporal",
  "temporal-worker",
  "workflow-worker",
  "email-service",
] as const;

export const ComponentName = z.enum(COMPONENT_NAMES);
export type ComponentName = z.infer<typeof ComponentName>;
