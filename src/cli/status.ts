import { UsageError } from "../errors.js";
import { classifySnapshot } from "../services/status/classify.js";
import { parseClusterSnapshot } from "../services/status/cluster-snapshot.js";
import { formatStatusSummary } from "../services/status/format-summary.js";
import { readSnapshotText } from "../services/status/status-inputs.js";
import { runCli } from "./run.js";
import { CLASSIFY_FLAGS, CLASSIFY_HELP, classifyOptionsFrom } from "./status-options.js";

const HELP = `Usage: npm run status -- --snapshot FILE [--json] [options]

Classifies a cluster snapshot into the appliance status: the rollup (installing, ready,
ready_with_background_issues, fully_healthy, failed_action_required), the readiness tiers and the
top blockers, root causes first, each with its next action. Make the snapshot on the appliance with
  kubectl get nodes,pods,events,jobs,deployments,statefulsets,persistentvolumeclaims,\\
    services,endpointslices,ocirepositories,kustomizations,helmreleases -A -o json > snapshot.json
(without services and endpointslices, login readiness rests on ready replicas alone, and says so)

  --snapshot FILE          the kubectl List JSON (required)
  --now TIME               RFC 3339 time to classify at (default: now); elapsed times use it
${CLASSIFY_HELP}
  --json                   print the canonical status JSON (schemas/status.schema.json)
  --help                   show this help`;

await runCli(HELP, { snapshot: { type: "string" }, now: { type: "string" }, ...CLASSIFY_FLAGS }, ({ values, output }) => {
  if (!values.snapshot) throw new UsageError(`--snapshot FILE is required\n\n${HELP}`);
  let now = Date.now();
  if (values.now !== undefined) {
    now = Date.parse(values.now);
    if (Number.isNaN(now)) throw new UsageError(`--now "${values.now}" is not an RFC 3339 time (e.g. 2026-04-30T12:00:00Z)`);
  }
  const options = classifyOptionsFrom(values);
  const snapshot = parseClusterSnapshot(readSnapshotText(values.snapshot), values.snapshot);
  output.progress(`classifying ${snapshot.items.length} objects from ${values.snapshot}`);
  const status = classifySnapshot(snapshot, { ...options, now });
  if (output.json) {
    // The canonical document itself, so it validates against schemas/status.schema.json as is.
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return;
  }
  output.done(formatStatusSummary(status));
});
