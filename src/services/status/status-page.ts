import { STATUS_TIERS, type ApplianceStatus, type StatusTier } from "../../../schemas/status.js";
import { ROLLUP_LABELS, TIER_LABELS, formatElapsed } from "./format-summary.js";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

// System fonts only: the appliance may be offline, so nothing is fetched from anywhere.
const STYLE = `
:root{--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--busy:#0969da;--fg:#1f2328;--muted:#59636e;--bg:#f6f8fa;--card:#fff;--line:#d1d9e0}
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:980px;margin:0 auto;padding:16px}
header{display:flex;flex-wrap:wrap;justify-content:space-between;gap:4px 16px;align-items:baseline}
h1{font-size:1.3rem;margin:0}
h2{font-size:1.05rem;margin:24px 0 8px}
.muted{color:var(--muted);font-size:.9rem}
.rollup{margin-top:12px;padding:16px;border-radius:10px;color:#fff}
.rollup .state{font-size:1.5rem;font-weight:700}
.rollup p{margin:6px 0 0}
.s-installing{background:var(--busy)}.s-ready{background:var(--ok)}.s-fully_healthy{background:var(--ok)}
.s-ready_with_background_issues{background:var(--warn)}.s-failed_action_required{background:var(--bad)}
.tiers{display:grid;grid-template-columns:repeat(6,1fr);gap:8px;list-style:none;padding:0;margin:0}
.tier{background:var(--card);border:1px solid var(--line);border-top:6px solid var(--muted);border-radius:8px;padding:8px}
.tier.ready{border-top-color:var(--ok)}.tier.failing{border-top-color:var(--bad)}.tier.waiting{border-top-color:var(--muted)}.tier.in-progress{border-top-color:var(--busy)}
.tier .name{font-weight:600}.tier .state{font-size:.9rem}.tier .reason{font-size:.8rem;color:var(--muted);overflow-wrap:anywhere}
.card{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--bad);border-radius:8px;padding:10px 12px;margin-bottom:8px}
.card.warning{border-left-color:var(--warn)}.card.pull{border-left-color:var(--busy)}
.card .title{font-weight:600}.card p{margin:4px 0;overflow-wrap:anywhere}
.badge{display:inline-block;font-size:.75rem;padding:1px 8px;border-radius:10px;border:1px solid var(--line);margin-right:4px;background:var(--bg)}
.badge.login{border-color:var(--bad);color:var(--bad)}
code{font-size:.85em;overflow-wrap:anywhere}code.whole{white-space:nowrap}
a{color:inherit}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
@media (max-width:720px){.tiers{grid-template-columns:repeat(2,1fr)}main{padding:10px}.rollup .state{font-size:1.25rem}}
`;

function page(title: string, refreshSeconds: number | null, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : ""}
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}

type TierState = "ready" | "failing" | "in-progress" | "waiting";
const TIER_STATE_LABELS: Record<TierState, string> = { ready: "Ready", failing: "Failing", "in-progress": "In progress", waiting: "Waiting" };

/**
 * How a tier looks: red only where something failed, grey where it only waits for the tier
 * before it, blue while it is still coming up, so the eye goes to the tier that needs a person.
 */
function tierState(status: ApplianceStatus, tier: StatusTier): TierState {
  const t = status.tiers[tier];
  if (t.ready) return "ready";
  if (t.reason.startsWith("waiting for")) return "waiting";
  const failures = status.topBlockers.filter((b) => b.severity === "failure");
  const failing = tier === "fullHealth" ? failures.length > 0 : failures.some((b) => b.tier === tier);
  return failing ? "failing" : "in-progress";
}

/**
 * The overview page: one self-contained document (inline styles, no scripts, no fonts or images
 * from elsewhere) that reloads itself. It shows the rollup, the tiers as a row of states, the
 * top blockers with their next action and the image pulls in progress.
 */
export function renderStatusPage(
  status: ApplianceStatus,
  options: { refreshSeconds?: number; collectedAgoSeconds?: number; stale?: { sinceGoodSeconds: number | null; error: string | null } | null } = {},
): string {
  const refresh = options.refreshSeconds ?? 15;
  const rollup = status.rollup;
  const loginLink = status.urls.login && status.tiers.login.ready ? `<p>Sign in: <a href="${escapeHtml(status.urls.login)}">${escapeHtml(status.urls.login)}</a></p>` : "";
  const tiers = STATUS_TIERS.map((tier) => {
    const t = status.tiers[tier];
    const state = tierState(status, tier);
    return `<li class="tier ${state}" data-tier="${tier}"><div class="name">${TIER_LABELS[tier]}</div><div class="state">${TIER_STATE_LABELS[state]}</div><div class="reason">${escapeHtml(t.reason)}</div></li>`;
  }).join("");
  const pulls = status.activeOperations.length
    ? status.activeOperations
        .map(
          (op) =>
            `<div class="card pull"><div class="title">${escapeHtml(op.component)}: pulling <code>${escapeHtml(op.image)}</code></div><p>${escapeHtml(formatElapsed(op.elapsedSeconds))} so far (since ${escapeHtml(op.startedAt)})</p></div>`,
        )
        .join("") + `<p class="muted">${escapeHtml(status.activeOperations[0]!.progressNote)}</p>`
    : `<p class="muted">No image pulls in progress.</p>`;
  const blockers = status.topBlockers.length
    ? status.topBlockers
        .slice(0, 8)
        .map(
          (b) => `<div class="card ${b.severity}">
<div class="title">${escapeHtml(b.layer)} — ${escapeHtml(b.component)}</div>
<div>${b.loginBlocking ? '<span class="badge login">blocks login</span>' : '<span class="badge">login unaffected</span>'}<span class="badge">${b.retryable ? "retryable" : "needs a fix"}</span><span class="badge">${escapeHtml(b.tier)}</span></div>
<p>${escapeHtml(b.reason)}</p>
<p><strong>Next:</strong> ${escapeHtml(b.nextAction)}</p>
<p class="muted">Seen on ${escapeHtml(b.evidence.object.kind)} ${escapeHtml(b.evidence.object.namespace ? `${b.evidence.object.namespace}/` : "")}${escapeHtml(b.evidence.object.name)}${b.symptoms.length ? `; also explains ${b.symptoms.length} other object(s)` : ""}</p>
</div>`,
        )
        .join("\n")
    : `<p class="muted">Nothing is blocking the appliance.</p>`;
  const release = status.release;
  const body = `<header><h1>Alga PSA appliance: ${escapeHtml(status.siteId)}</h1><span class="muted">Updated ${escapeHtml(status.timestamp)}${options.collectedAgoSeconds !== undefined ? ` (${escapeHtml(formatElapsed(options.collectedAgoSeconds))} ago)` : ""}</span></header>
<section class="rollup s-${rollup.state}" id="rollup"><div class="state">${escapeHtml(ROLLUP_LABELS[rollup.state])}</div><p>${escapeHtml(rollup.message)}</p><p><strong>Next:</strong> ${escapeHtml(rollup.nextAction)}</p></section>
${loginLink}
<h2>Readiness tiers</h2>
<ul class="tiers" id="tiers">${tiers}</ul>
<h2>Image pulls in progress</h2>
<section id="pulls">${pulls}</section>
<h2>Top blockers</h2>
<section id="blockers">${blockers}</section>
<h2>Release</h2>
<dl><dt>Version</dt><dd>${escapeHtml(release.version ?? "unknown")}</dd><dt>Channel</dt><dd>${escapeHtml(release.channel ?? "—")}</dd><dt>Bundle</dt><dd><code>${escapeHtml(release.bundleDigest ?? "unknown")}</code></dd><dt>Source</dt><dd>${escapeHtml(release.sourceRevision ?? "unknown")}</dd></dl>
<p class="muted">This page refreshes itself every ${refresh} seconds. Machine-readable: <a href="api/status">/api/status</a>, <a href="api/diagnostics">/api/diagnostics</a>.</p>`;
  return page(`${ROLLUP_LABELS[rollup.state]} · appliance status`, refresh, body);
}

/** Shown before the first collection finished. */
export function renderCollectingPage(): string {
  return page("Collecting status · appliance status", 5, `<header><h1>Alga PSA appliance</h1></header><section class="rollup s-installing"><div class="state">Collecting status…</div><p>The status service is reading the cluster for the first time.</p></section>`);
}

/** Shown without (or with a wrong) token. */
export function renderTokenRequiredPage(reason: "missing" | "wrong" | "not-provisioned", why = ""): string {
  const text =
    reason === "not-provisioned"
      ? `The status token is not usable yet${why ? ` (${escapeHtml(why)})` : ""}: the control plane writes it during setup. Try again in a minute.`
      : `${reason === "wrong" ? "That token is not valid. " : ""}Open the status link printed on the appliance console when it was installed (it ends in <code class="whole">?token=…</code>), or send <code class="whole">Authorization: Bearer &lt;token&gt;</code>.`;
  return page("Token required · appliance status", null, `<header><h1>Alga PSA appliance status</h1></header><section class="rollup s-failed_action_required" id="rollup"><div class="state">Token required</div><p>${text}</p></section>`);
}
