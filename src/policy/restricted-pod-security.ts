import { describeObject } from "./rendered-file.js";
import { containersOf, podSpecsOf, type SecurityContextSpec } from "./pod-templates.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

/** Volume types the Kubernetes "restricted" Pod Security level allows. */
const RESTRICTED_VOLUME_TYPES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
const SECCOMP_TYPES = new Set(["RuntimeDefault", "Localhost"]);
const SELINUX_TYPES = new Set(["container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
/** Namespaced sysctls the baseline level allows. */
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);

/** Problems any security context (pod or container) can have on its own. */
function contextProblems(context: SecurityContextSpec, field: (name: string) => string): [string, string][] {
  const problems: [string, string][] = [];
  const selinux = context.seLinuxOptions;
  if (selinux?.type !== undefined && !SELINUX_TYPES.has(selinux.type)) problems.push([field("seLinuxOptions.type"), `SELinux type ${selinux.type} is not allowed: remove it`]);
  if (selinux?.user !== undefined) problems.push([field("seLinuxOptions.user"), "sets an SELinux user: remove it"]);
  if (selinux?.role !== undefined) problems.push([field("seLinuxOptions.role"), "sets an SELinux role: remove it"]);
  if (context.procMount !== undefined && context.procMount !== "Default") problems.push([field("procMount"), "unmasks /proc: remove procMount"]);
  if (context.windowsOptions?.hostProcess === true) problems.push([field("windowsOptions.hostProcess"), "runs as a Windows host process: remove hostProcess"]);
  if (context.runAsUser === 0) problems.push([field("runAsUser"), "runs as root (UID 0): set a non-zero runAsUser"]);
  return problems;
}

/**
 * Every pod the kit renders meets the Kubernetes "restricted" Pod Security Standard
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/): no host namespaces, no
 * hostPath or other node-level volumes, no host ports, not privileged, no privilege escalation,
 * non-root, every capability dropped (only NET_BIND_SERVICE may be added back), the
 * RuntimeDefault (or a Localhost) seccomp profile, and none of the baseline escapes (custom SELinux
 * user/role/type, unmasked /proc, Windows host processes, unsafe sysctls).
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
      for (const [field, message] of contextProblems(spec.securityContext ?? {}, (name) => `${path}.securityContext.${name}`)) push(field, message);
      (spec.securityContext?.sysctls ?? []).forEach((sysctl, i) => {
        if (!SAFE_SYSCTLS.has(sysctl.name)) push(`${path}.securityContext.sysctls[${i}]`, `sets the unsafe sysctl ${sysctl.name}: remove it`);
      });
    }
    for (const { path, container, pod } of containersOf(object)) {
      const own: SecurityContextSpec = container.securityContext ?? {};
      const podLevel: SecurityContextSpec = pod.securityContext ?? {};
      const field = (name: string) => `${path}.securityContext.${name}`;
      if (own.privileged === true) push(field("privileged"), "runs privileged: set privileged: false");
      if (own.allowPrivilegeEscalation !== false) push(field("allowPrivilegeEscalation"), "may gain privileges: set allowPrivilegeEscalation: false");
      const nonRoot = own.runAsNonRoot ?? podLevel.runAsNonRoot;
      if (nonRoot !== true) push(field("runAsNonRoot"), "may run as root: set runAsNonRoot: true (on the container or the pod)");
      for (const [at, message] of contextProblems(own, field)) push(at, message);
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
