import type { PostRenderer } from "./flux-api.js";
import { stringify } from "yaml";

/** The entrypoint that creates or migrates Temporal's SQL schema before the server starts. */
export const TEMPORAL_AUTOSETUP_COMMAND = ["/etc/temporal/entrypoint.sh", "autosetup"] as const;

export interface TemporalHardeningProps {
  /**
   * Deployment running the Temporal server.
   * @default "temporal"
   */
  readonly serverDeployment?: string;
  /**
   * Deployment running the Temporal web UI.
   * @default "temporal-ui"
   */
  readonly uiDeployment?: string;
}

/**
 * Post-renderer patches that make the upstream Temporal chart work on an appliance without forking it:
 * - the server runs `autosetup`, otherwise it fails with "sql schema version compatibility check failed";
 * - server and UI run with `enableServiceLinks: false`, otherwise the UI reads the injected
 *   `TEMPORAL_*_PORT=tcp://…` variables as its own config and fails ("cannot unmarshal !!str tcp://… into int").
 */
export function temporalHardening(props: TemporalHardeningProps = {}): PostRenderer {
  const server = props.serverDeployment ?? "temporal";
  const ui = props.uiDeployment ?? "temporal-ui";
  const disableServiceLinks = { op: "add", path: "/spec/template/spec/enableServiceLinks", value: false };
  return {
    kustomize: {
      patches: [
        {
          target: { kind: "Deployment", name: server },
          patch: stringify([
            disableServiceLinks,
            { op: "add", path: "/spec/template/spec/containers/0/command", value: [...TEMPORAL_AUTOSETUP_COMMAND] },
          ]),
        },
        { target: { kind: "Deployment", name: ui }, patch: stringify([disableServiceLinks]) },
      ],
    },
  };
}
