import type { StatusProbes } from "./readiness-tiers.js";

/**
 * Asks the login URL whether it answers (seeds: LOGIN_READY needs the app to answer, not only its
 * pod to be ready). A 2xx or 3xx (the app redirects to its dashboard) counts; redirects are not
 * followed, so the probe never leaves the appliance.
 */
export async function probeLogin(url: string, timeoutMs = 5_000): Promise<NonNullable<StatusProbes["login"]>> {
  try {
    const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    const ok = response.status >= 200 && response.status < 400;
    return { ok, detail: `HTTP ${response.status}${ok ? "" : ` ${response.statusText}`}`.trim() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const name = (error as Error).name;
    return { ok: false, detail: name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (error as Error).message) };
  }
}
