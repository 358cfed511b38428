import { describeObject } from "./rendered-file.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

interface SourceRef {
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
}

const BUNDLE_ROOT = "config/";

/**
 * Every HelmRelease's chart source (`chartRef`, or `chart.spec.sourceRef`) is an object rendered
 * in the same output, and for the config bundle inside the bundle itself: a HelmRelease whose
 * source the cluster does not have waits forever.
 */
export const helmChartSources: Policy = (files) => {
  const violations: PolicyViolation[] = [];
  const rendered = new Map<string, string>();
  for (const { file, object } of objectsOf(files)) {
    rendered.set(`${object.kind} ${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`, file.path);
  }
  for (const { file, object } of objectsOf(files)) {
    if (object.kind !== "HelmRelease") continue;
    const spec = (object["spec"] ?? {}) as { chartRef?: SourceRef; chart?: { spec?: { sourceRef?: SourceRef } } };
    const [field, ref] = spec.chartRef ? ["spec.chartRef", spec.chartRef] : ["spec.chart.spec.sourceRef", spec.chart?.spec?.sourceRef];
    const push = (message: string) => violations.push({ file: file.path, object: describeObject(object), field, message });
    if (!ref?.kind || !ref.name) {
      push("names no chart source: set chartRef to the component's OCIRepository");
      continue;
    }
    const namespace = ref.namespace ?? object.metadata?.namespace ?? "";
    const key = `${ref.kind} ${namespace}/${ref.name}`;
    const where = rendered.get(key);
    if (where === undefined) push(`${key} is not rendered: add the chart source (OciChartSource) beside the HelmRelease`);
    else if (file.path.startsWith(BUNDLE_ROOT) && !where.startsWith(BUNDLE_ROOT)) push(`${key} is rendered in ${where}, outside the config bundle: render it under config/`);
  }
  return violations;
};
