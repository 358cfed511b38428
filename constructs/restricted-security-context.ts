import { Capability, SeccompProfileType, type ContainerSecurityContextProps } from "cdk8s-plus-31";

/**
 * A container security context that meets the Kubernetes "restricted" Pod Security level:
 * non-root, no privilege escalation, every capability dropped, the runtime's default seccomp
 * profile, and a read-only root filesystem (cdk8s-plus's secure default, kept explicit here).
 */
export function restrictedContainerSecurity(user: number, group: number = user): ContainerSecurityContextProps {
  return {
    user,
    group,
    ensureNonRoot: true,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: [Capability.ALL] },
    seccompProfile: { type: SeccompProfileType.RUNTIME_DEFAULT },
  };
}
