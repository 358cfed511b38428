import { Duration, Size } from "cdk8s";
import {
  Cpu,
  Deployment,
  EnvValue,
  ImagePullPolicy,
  LabelSelector,
  Probe,
  Protocol,
  Secret,
  Service,
  ServiceType,
  Volume,
} from "cdk8s-plus-31";
import { Construct } from "constructs";
import {
  isSecretVariable,
  LicenseServiceEnvironment,
  type LicenseServiceDefinition,
  type LicenseServiceVariable,
  type SecretKeyRef,
} from "../schemas/license-service.js";
import { standardLabels } from "./labels.js";
import { restrictedContainerSecurity } from "./restricted-security-context.js";

export interface LicenseServiceProps {
  /** The vendor's definition of the service (image, database, secrets, object store). */
  readonly definition: LicenseServiceDefinition;
  /**
   * Deployment and Service name.
   * @default "alga-license"
   */
  readonly name?: string;
}

/** Where each variable of the environment contract gets its value. */
type EnvironmentSource = { readonly value: string } | { readonly secret: SecretKeyRef };

/**
 * The vendor-side license service: registers appliances, issues install codes and presigned ISO
 * download links. Non-root, probed, and every credential read from a Secret.
 */
export class LicenseService extends Construct {
  readonly deployment: Deployment;
  readonly service: Service;

  constructor(scope: Construct, id: string, props: LicenseServiceProps) {
    super(scope, id);
    const def = props.definition;
    const name = props.name ?? "alga-license";
    const labels = standardLabels(name, "license-service");
    const metadata = { name, namespace: def.namespace, labels };

    this.deployment = new Deployment(this, "Deployment", {
      metadata,
      podMetadata: { labels },
      select: false,
      replicas: def.replicas,
      securityContext: { user: 10001, group: 10001, ensureNonRoot: true },
      containers: [
        {
          name: "license-service",
          image: def.image,
          imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
          securityContext: restrictedContainerSecurity(10001),
          portNumber: def.port,
          envVariables: this.environment(environmentSources(def)),
          liveness: Probe.fromHttpGet("/healthz", { port: def.port, periodSeconds: Duration.seconds(20) }),
          readiness: Probe.fromHttpGet("/healthz", { port: def.port, periodSeconds: Duration.seconds(10) }),
          resources: {
            cpu: { request: Cpu.millis(100), limit: Cpu.millis(1000) },
            memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) },
          },
        },
      ],
    });
    this.deployment.select(LabelSelector.of({ labels: { "app.kubernetes.io/name": name } }));
    this.deployment.containers[0]!.mount("/tmp", Volume.fromEmptyDir(this, "Tmp", "tmp"));

    this.service = new Service(this, "Service", {
      metadata,
      type: ServiceType.CLUSTER_IP,
      ports: [{ name: "http", port: 80, targetPort: def.port, protocol: Protocol.TCP }],
    });
    // Select by the stable name label, not cdk8s's construct-path label, which changes on refactors.
    this.service.selectLabel("app.kubernetes.io/name", name);
  }

  private environment(sources: Record<LicenseServiceVariable, EnvironmentSource>): Record<string, EnvValue> {
    const env: Record<string, EnvValue> = {};
    for (const variable of Object.keys(sources).sort() as LicenseServiceVariable[]) {
      const source = sources[variable];
      env[variable] =
        "secret" in source
          ? EnvValue.fromSecretValue({ secret: Secret.fromSecretName(this, `Secret-${variable}`, source.secret.name), key: source.secret.key })
          : EnvValue.fromValue(source.value);
    }
    return env;
  }
}

/**
 * Maps the definition onto the environment contract. Throws when a contract variable has no
 * source, when a secret variable would get a literal, or when a literal fails the contract.
 */
export function environmentSources(def: LicenseServiceDefinition): Record<LicenseServiceVariable, EnvironmentSource> {
  const sources: Record<LicenseServiceVariable, EnvironmentSource> = {
    DB_HOST: { value: def.database.host },
    DB_PORT: { value: String(def.database.port) },
    DB_NAME: { value: def.database.name },
    DB_USER_APP: { value: def.database.user },
    DB_PASSWORD_APP: { secret: def.database.passwordSecret },
    LICENSE_SIGNING_KEY: { secret: def.signingKeySecret },
    OBJECT_STORE_ENDPOINT: { value: def.objectStore.endpoint },
    OBJECT_STORE_REGION: { value: def.objectStore.region },
    OBJECT_STORE_BUCKET: { value: def.objectStore.bucket },
    OBJECT_STORE_ACCESS_KEY: { secret: def.objectStore.accessKeySecret },
    OBJECT_STORE_SECRET_KEY: { secret: def.objectStore.secretKeySecret },
    APPLIANCE_ISO_KEY: { value: def.applianceIsoKey },
  };
  const literals: Record<string, string> = {};
  for (const variable of Object.keys(LicenseServiceEnvironment.shape) as LicenseServiceVariable[]) {
    const source = sources[variable];
    if (!source) throw new Error(`license service: the environment contract variable ${variable} has no source`);
    const secret = isSecretVariable(variable);
    if (secret && !("secret" in source)) throw new Error(`license service: ${variable} is a credential and must come from a Secret`);
    if ("value" in source) literals[variable] = source.value;
    else literals[variable] = "from-secret";
  }
  // Literal values must satisfy the same contract the service checks at start-up.
  LicenseServiceEnvironment.parse(literals);
  return sources;
}
