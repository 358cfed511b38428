import { STATUS_TIERS, type ApplianceStatus } from "../../../schemas/status.js";
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
.s-ready_with_background_issues{background:var(--warn)}.s-ready_updates_blocked{background:var(--warn)}.s-failed_action_required{background:var(--bad)}
.tiers{display:grid;grid-template-columns:repeat(6,1fr);gap:8px;list-style:none;padding:0;margin:0}
.tier{background:var(--card);border:1px solid var(--line);border-top:6px solid var(--muted);border-radius:8px;padding:8px}
.tier.ready{border-top-color:var(--ok)}.tier.failing{border-top-color:var(--bad)}.tier.waiting{border-top-color:#afb8c1;background:var(--bg)}.tier.in_progress{border-top-color:var(--busy)}
.tier .name{font-weight:600}.tier .state{font-size:.9rem}.tier .reason{font-size:.8rem;color:var(--muted);overflow-wrap:anywhere}
.card{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--bad);border-radius:8px;padding:10px 12px;margin-bottom:8px}
.card.warning{border-left-color:var(--warn)}.card.pull{border-left-color:var(--busy)}
.card .title{font-weight:600}.card p{margin:4px 0;overflow-wrap:anywhere}
.badge{display:inline-block;font-size:.75rem;padding:1px 8px;border-radius:10px;border:1px solid var(--line);margin-right:4px;background:var(--bg)}
.badge.login{border-color:var(--bad);color:var(--bad)}
code{font-size:.85em;overflow-wrap:anywhere}code.whole{white-space:nowrap}
a{color:inherit}
pre.error{white-space:pre-wrap;overflow-wrap:anywhere;font:.85rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#fff8f8;border:1px solid #ffd8d3;border-radius:6px;padding:6px 8px;margin:6px 0;max-height:14em;overflow:auto}
ul.commands{list-style:none;padding:0;margin:6px 0}ul.commands li{margin:2px 0}ul.commands code{display:block;font:.85rem/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:4px 8px;overflow-wrap:anywhere;white-space:pre-wrap}
.banner{background:#fff1e5;border:2px solid var(--warn);border-radius:8px;padding:10px 12px;margin-bottom:12px}
.badge.updates{border-color:var(--warn);color:var(--warn)}
h3{font-size:.95rem;margin:12px 0 4px}
ol.steps{list-style:none;padding:0;margin:0}ol.steps li{padding:4px 8px;border-left:6px solid var(--muted);margin:2px 0;background:var(--card)}
ol.steps li.ready{border-left-color:var(--ok)}ol.steps li.failing{border-left-color:var(--bad)}ol.steps li.in_progress{border-left-color:var(--busy)}ol.steps li.waiting{border-left-color:#afb8c1}
ol.steps .name{font-weight:600}ul.moving{padding-left:18px;margin:4px 0}
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

const TIER_STATE_LABELS: Record<ApplianceStatus["tiers"]["platform"]["state"], string> = { ready: "Ready", failing: "Failing", in_progress: "In progress", waiting: "Waiting" };

/** "14:02:07 UTC" for an RFC 3339 time; the page is read on the appliance's console and on phones in any zone. */
function clockTime(iso: string): string {
  return `${iso.slice(11, 19)} UTC`;
}

function objectName(ref: { kind: string; namespace?: string; name: string }): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

/**
 * The install-progress view: each tier in order with its state and when it became ready (and how
 * long after the install began), then what is still coming up and for how long.
 */
function renderProgress(status: ApplianceStatus): string {
  const install = status.install;
  const started = install.startedAt ? Date.parse(install.startedAt) : null;
  const rows = STATUS_TIERS.map((tier) => {
    const t = status.tiers[tier];
    const when = t.ready && t.since ? `ready since ${escapeHtml(clockTime(t.since))}${started !== null ? ` (${escapeHtml(formatElapsed(Math.max(0, Math.floor((Date.parse(t.since) - started) / 1000))))} after the start)` : ""}` : escapeHtml(TIER_STATE_LABELS[t.state].toLowerCase());
    return `<li class="step ${t.state}" data-step="${tier}"><span class="name">${TIER_LABELS[tier]}</span> <span class="when">${when}</span></li>`;
  }).join("");
  const moving = install.inProgress.length
    ? `<ul class="moving">${install.inProgress
        .map((item) => `<li><code>${escapeHtml(objectName(item.ref))}</code> (${escapeHtml(item.component)}): ${escapeHtml(item.message)}${item.forSeconds !== null ? `, for ${escapeHtml(formatElapsed(item.forSeconds))}` : ""}</li>`)
        .join("")}</ul>${install.inProgressCount > install.inProgress.length ? `<p class="muted">… and ${install.inProgressCount - install.inProgress.length} more.</p>` : ""}`
    : `<p class="muted">Nothing is coming up right now.</p>`;
  const head = install.startedAt ? `<p>Install started ${escapeHtml(clockTime(install.startedAt))}${install.elapsedSeconds !== null ? `, ${escapeHtml(formatElapsed(install.elapsedSeconds))} ago` : ""}.</p>` : "";
  return `${head}<ol class="steps">${rows}</ol><h3>In progress</h3>${moving}`;
}

function renderBlocker(b: ApplianceStatus["topBlockers"][number]): string {
  const error = b.error ? `<pre class="error" aria-label="error message">${escapeHtml(b.error)}</pre>` : "";
  const commands = b.commands.length ? `<ul class="commands">${b.commands.map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join("")}</ul>` : "";
  const seen = `Seen on ${escapeHtml(objectName(b.evidence.object))}${b.count > 1 ? ` and ${b.count - 1} more like it` : ""}${b.symptomCount ? `; explains ${b.symptomCount} other object(s)` : ""}`;
  const badges = [
    b.loginBlocking ? '<span class="badge login">blocks login</span>' : '<span class="badge">login unaffected</span>',
    b.blocksUpdates ? '<span class="badge updates">blocks updates</span>' : "",
    `<span class="badge">${b.retryable ? "retryable" : "needs a fix"}</span>`,
    `<span class="badge">${escapeHtml(b.tier)}</span>`,
  ].join("");
  return `<div class="card ${b.severity}">
<div class="title">${escapeHtml(b.layer)} — ${escapeHtml(b.component)}</div>
<div>${badges}</div>
<p>${escapeHtml(b.reason)}</p>
${error}
<p><strong>Next:</strong> ${escapeHtml(b.nextAction)}</p>
${commands}
<p class="muted">${seen}</p>
</div>`;
}

/**
 * The overview page: one self-contained document (inline styles, no scripts, no fonts or images
 * from elsewhere) that reloads itself. It shows a staleness banner when the cluster has not been
 * read for two intervals, the rollup, the tiers (red only where something failed, grey where a
 * tier only waits, blue while it comes up), the install progress, the blockers with their
 * verbatim error and commands, and the image pulls in progress.
 */
export function renderStatusPage(
  status: ApplianceStatus,
  options: { refreshSeconds?: number; collectedAgoSeconds?: number; stale?: { sinceGoodSeconds: number | null; error: string | null } | null } = {},
): string {
  const refresh = options.refreshSeconds ?? 15;
  const rollup = status.rollup;
  const stale = options.stale === undefined ? (status.freshness.stale ? { sinceGoodSeconds: null, error: status.freshness.error } : null) : options.stale;
  const banner = stale
    ? `<section class="banner" id="stale" role="alert"><strong>This status is stale.</strong> The cluster was last read ${
        status.freshness.lastSuccessfulRead ? `at ${escapeHtml(clockTime(status.freshness.lastSuccessfulRead))}${stale.sinceGoodSeconds !== null ? ` (${escapeHtml(formatElapsed(stale.sinceGoodSeconds))} ago)` : ""}` : "never"
      }; what follows is the last state read.${stale.error ? `<pre class="error">${escapeHtml(stale.error)}</pre>` : ""}</section>`
    : "";
  const loginLink = status.urls.login && status.tiers.login.ready ? `<p>Sign in: <a href="${escapeHtml(status.urls.login)}">${escapeHtml(status.urls.login)}</a></p>` : "";
  const tiers = STATUS_TIERS.map((tier) => {
    const t = status.tiers[tier];
    return `<li class="tier ${t.state}" data-tier="${tier}"><div class="name">${TIER_LABELS[tier]}</div><div class="state">${TIER_STATE_LABELS[t.state]}</div><div class="reason">${escapeHtml(t.reason)}</div></li>`;
  }).join("");
  const pulls = status.activeOperations.length
    ? status.activeOperations
        .map(
          (op) =>
            `<div class="card pull"><div class="title">${escapeHtml(op.component)}: pulling <code>${escapeHtml(op.image)}</code></div><p>${escapeHtml(formatElapsed(op.elapsedSeconds))} so far (since ${escapeHtml(op.startedAt)})</p></div>`,
        )
        .join("") + `<p class="muted">${escapeHtml(status.activeOperations[0]!.progressNote)}</p>`
    : `<p class="muted">No image pulls in progress.</p>`;
  const shown = status.topBlockers.slice(0, 8);
  const blockers = shown.length
    ? shown.map(renderBlocker).join("\n") + (status.blockerCount > shown.length ? `<p class="muted">… and ${status.blockerCount - shown.length} more (see /api/status).</p>` : "")
    : `<p class="muted">Nothing is blocking the appliance.</p>`;
  const release = status.release;
  const body = `${banner}<header><h1>Alga PSA appliance: ${escapeHtml(status.siteId)}</h1><span class="muted">Updated ${escapeHtml(status.timestamp)}${options.collectedAgoSeconds !== undefined ? ` (${escapeHtml(formatElapsed(options.collectedAgoSeconds))} ago)` : ""}</span></header>
<section class="rollup s-${rollup.state}" id="rollup"><div class="state">${escapeHtml(ROLLUP_LABELS[rollup.state])}</div><p>${escapeHtml(rollup.message)}</p><p><strong>Next:</strong> ${escapeHtml(rollup.nextAction)}</p></section>
${loginLink}
<h2>Readiness tiers</h2>
<ul class="tiers" id="tiers">${tiers}</ul>
<h2>Blockers</h2>
<section id="blockers">${blockers}</section>
<h2>Install progress</h2>
<section id="progress">${renderProgress(status)}</section>
<h2>Image pulls in progress</h2>
<section id="pulls">${pulls}</section>
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
