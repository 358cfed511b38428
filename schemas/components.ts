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

/**
 * The namespaces the application's components run in, listed once: the config bundle creates them,
 * each component is placed in one of them, and the control plane gets its setup RBAC in each.
 */
export const APPLICATION_NAMESPACES = ["alga-system", "msp"] as const;
export type ApplicationNamespace = (typeof APPLICATION_NAMESPACES)[number];
export type ComponentName = z.infer<typeof ComponentName>;
