import { ServiceAccount } from "cdk8s-plus-31";
import { Construct } from "constructs";
import { standardLabels } from "./labels.js";
import { StatusReaderRole } from "./status-reader-role.js";
import { STATUS_READER_ROLE, STATUS_SERVICE_NAME, SYSTEM_NAMESPACE } from "../schemas/names.js";

export interface ApplianceStatusAccessProps {
  /**
   * Namespace of the status service's account.
   * @default "alga-system"
   */
  readonly namespace?: string;
  /**
   * Service account name.
   * @default "appliance-status"
   */
  readonly serviceAccountName?: string;
}

/** The appliance-status service account bound to the read-only status ClusterRole. */
export class ApplianceStatusAccess extends Construct {
  readonly serviceAccount: ServiceAccount;

  constructor(scope: Construct, id: string, props: ApplianceStatusAccessProps = {}) {
    super(scope, id);
    const name = props.serviceAccountName ?? STATUS_SERVICE_NAME;
    this.serviceAccount = new ServiceAccount(this, "ServiceAccount", {
      metadata: { name, namespace: props.namespace ?? SYSTEM_NAMESPACE, labels: standardLabels(name, "status") },
      // The status service reads the cluster through its token.
      automountToken: true,
    });
    new StatusReaderRole(this, "Reader", { name: STATUS_READER_ROLE }).grantTo(this.serviceAccount, STATUS_READER_ROLE);
  }
}
