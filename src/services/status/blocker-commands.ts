import type { ObjectReference } from "../../../schemas/status.js";
import { FLUX_NAMESPACE, FLUX_TIER_KUSTOMIZATION } from "../../../schemas/components.js";

/** Flux CLI words for a Flux kind (`flux reconcile source oci …`). */
const FLUX_SOURCE_WORDS: Readonly<Record<string, string>> = { OCIRepository: "oci", GitRepository: "git", HelmRepository: "helm", HelmChart: "chart", Bucket: "bucket" };

/** `-n <namespace> ` or nothing, for a cluster-scoped object. */
function inNamespace(ref: ObjectReference): string {
  return ref.namespace ? `-n ${ref.namespace} ` : "";
}

/**
 * Commands an operator can paste to look at (and, where it is safe, retry) the object a blocker
 * was seen on: exact kubectl/flux lines with its real name and namespace. Read-only first, the
 * one retry last.
 */
export function commandsFor(ref: ObjectReference, options: { container?: string; crashed?: boolean; extra?: readonly string[] } = {}): string[] {
  const n = inNamespace(ref);
  const commands: string[] = [];
  switch (ref.kind) {
    case "Pod":
      commands.push(`kubectl ${n}describe pod ${ref.name}`);
      commands.push(`kubectl ${n}logs ${ref.name}${options.container ? ` -c ${options.container}` : " --all-containers"}${options.crashed ? " --previous" : ""} --tail=100`);
      break;
    case "Job":
      commands.push(`kubectl ${n}describe job ${ref.name}`, `kubectl ${n}logs job/${ref.name} --tail=100`);
      break;
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
      commands.push(`kubectl ${n}describe ${ref.kind.toLowerCase()} ${ref.name}`, `kubectl ${n}get pods -o wide`);
      break;
    case "PersistentVolumeClaim":
      commands.push(`kubectl ${n}describe pvc ${ref.name}`, "kubectl get storageclass");
      break;
    case "Node":
      commands.push(`kubectl describe node ${ref.name}`);
      break;
    case "HelmRelease":
      commands.push(`flux ${n}get helmreleases ${ref.name}`, `kubectl ${n}describe helmrelease ${ref.name}`, `flux ${n}reconcile helmrelease ${ref.name} --force`);
      break;
    case "Kustomization":
      commands.push(`flux ${n}get kustomizations ${ref.name}`, `flux ${n}reconcile kustomization ${ref.name} --with-source`);
      break;
    case "APIResource":
      break;
    default: {
      const source = FLUX_SOURCE_WORDS[ref.kind];
      if (source) commands.push(`flux ${n}get sources ${source} ${ref.name}`, `flux ${n}reconcile source ${source} ${ref.name}`);
      else commands.push(`kubectl ${n}describe ${ref.kind.toLowerCase()} ${ref.name}`);
    }
  }
  for (const extra of options.extra ?? []) if (!commands.includes(extra)) commands.push(extra);
  return commands;
}

/** What to run when the status service itself cannot read a kind. */
export function accessCommands(resource: string, serviceAccount: { namespace: string; name: string }): string[] {
  return [
    `kubectl auth can-i list ${resource} --all-namespaces --as=system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`,
    `flux -n ${FLUX_NAMESPACE} reconcile kustomization ${FLUX_TIER_KUSTOMIZATION.platform} --with-source`,
  ];
}
