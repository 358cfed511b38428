import { describeObject } from "../synth/rendered-file.js";
import { containersOf, podSpecsOf, type SecurityContextSpec } from "./pod-templates.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

/** Volume types the Kubernetes "restricted" Pod Security level allows. */
const RESTRICTED_VOLUME_TYPES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
const SECCOMP_TYPES = new Set(["RuntimeDefault", "Localhost"]);

/**
 * Every pod the kit renders meets the Kubernetes "restricted" Pod Security Standard
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/): no host namespaces, no
 * hostPath or other node-level volumes, no host ports, not privileged, no privilege escalation,
 * non-root, every capability dropped (only NET_BIND_SERVICE may be added back), and the
 * RuntimeDefault (or a Localhost) seccomp profile.
 */
export const restrictedPodSecurity: Policy = (files) => {
  const violations: PolicyViolation[] = [];
  for (const { file, object } of objectsOf(files)) {
    const push = (field: string, message: string) =>
      violations.push({ file: file.path, object: describeObject(object), field, message: `${message} (Pod Security "restricted")` });
    for (const { path, spec } of podSpecsOf(object)) {
      for (const field of ["hostNetwork", "hostPID", "hostIPC"] as const) {
        if (spec[field] === true) push(`${path}.${field}`, `shares the node's ${field.slice(4)} namespace: remove ${field}`);
      }
      (spec.volumes ?? []).forEach((volume, i) => {
        const type = Object.keys(volume).find((key) => key !== "name");
        if (type !== undefined && !RESTRICTED_VOLUME_TYPES.has(type)) {
          push(`${path}.volumes[${i}].${type}`, `volume "${String(volume["name"])}" is a ${type} volume: use emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret`);
        }
      });
      if (spec.securityContext?.runAsUser === 0) push(`${path}.securityContext.runAsUser`, "runs as root (UID 0): set a non-zero runAsUser");
    }
    for (const { path, container, pod } of containersOf(object)) {
      const own: SecurityContextSpec = container.securityContext ?? {};
      const podLevel: SecurityContextSpec = pod.securityContext ?? {};
      const field = (name: string) => `${path}.securityContext.${name}`;
      if (own.privileged === true) push(field("privileged"), "runs privileged: set privileged: false");
      if (own.allowPrivilegeEscalation !== false) push(field("allowPrivilegeEscalation"), "may gain privileges: set allowPrivilegeEscalation: false");
      const nonRoot = own.runAsNonRoot ?? podLevel.runAsNonRoot;
      if (nonRoot !== true) push(field("runAsNonRoot"), "may run as root: set runAsNonRoot: true (on the container or the pod)");
      if (own.runAsUser === 0) push(field("runAsUser"), "runs as root (UID 0): set a non-zero runAsUser");
      if (!(own.capabilities?.drop ?? []).includes("ALL")) push(field("capabilities.drop"), "keeps Linux capabilities: set capabilities.drop: [ALL]");
      const added = (own.capabilities?.add ?? []).filter((capability) => capability !== "NET_BIND_SERVICE");
      if (added.length > 0) push(field("capabilities.add"), `adds ${added.join(", ")}: only NET_BIND_SERVICE may be added`);
      const seccomp = own.seccompProfile?.type ?? podLevel.seccompProfile?.type;
      if (seccomp === undefined || !SECCOMP_TYPES.has(seccomp)) push(field("seccompProfile.type"), "has no seccomp profile: set seccompProfile.type: RuntimeDefault");
      (container.ports ?? []).forEach((port, i) => {
        if (port.hostPort !== undefined && port.hostPort !== 0) push(`${path}.ports[${i}].hostPort`, "binds a host port: remove hostPort and expose it with a Service");
      });
    }
  }
  return violations;
};
