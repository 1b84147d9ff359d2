// The admin session: only the token the API gave at login, in sessionStorage (gone with the tab).
// The master key itself is never stored anywhere.
import type { AdminSession } from "./types";

const SESSION_KEY = "saas-admin.session";

export function readSession(): AdminSession | null {
  if (typeof window === "undefined") return null;
  const raw = window.sessionStorage.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw) as AdminSession;
    if (!session.token || Date.parse(session.expires_at) <= Date.now()) {
      clearSession();
      return null;
    }
    return session;
  } catch {
    clearSession();
    return null;
  }
}

export function saveSession(session: AdminSession): void {
  window.sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token: session.token, expires_at: session.expires_at }));
}

export function clearSession(): void {
  window.sessionStorage.removeItem(SESSION_KEY);
}

/** Send the browser to the login page, remembering where it was. */
export function redirectToLogin(reason: "expired" | "required"): void {
  const here = window.location.pathname + window.location.search;
  const next = here.startsWith("/login") ? "/" : here;
  const params = new URLSearchParams({ next });
  if (reason === "expired") params.set("expired", "1");
  window.location.replace(`/login/?${params.toString()}`);
}
