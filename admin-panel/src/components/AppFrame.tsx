// The frame around every page but the login: navigation, the session guard and logout.
"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState, type ReactNode } from "react";
import { api } from "@/lib/api";
import { loadConfig, type PanelConfig } from "@/lib/config";
import { formatDateTime } from "@/lib/format";
import { clearSession, readSession, redirectToLogin } from "@/lib/session";
import type { AdminSession } from "@/lib/types";

const NAV = [
  { href: "/", label: "Overview" },
  { href: "/organizations/", label: "Organizations" },
  { href: "/teams/", label: "Teams" },
  { href: "/models/", label: "Models" },
  { href: "/jobs/", label: "Jobs" },
];

const MAX_TIMER_MS = 2_147_483_647;

function isActive(pathname: string, href: string): boolean {
  return href === "/" ? pathname === "/" : pathname.startsWith(href);
}

export function AppFrame({ children }: { children: ReactNode }) {
  const pathname = usePathname() ?? "/";
  if (pathname.startsWith("/login")) return <main className="login-frame">{children}</main>;
  return <GuardedFrame pathname={pathname}>{children}</GuardedFrame>;
}

function GuardedFrame({ pathname, children }: { pathname: string; children: ReactNode }) {
  const [session, setSession] = useState<AdminSession | null>(null);
  const [config, setConfig] = useState<PanelConfig>();

  useEffect(() => {
    const current = readSession();
    if (!current) {
      redirectToLogin("required");
      return;
    }
    setSession(current);
    loadConfig().then(setConfig);
    // Confirm with the API (it may have been revoked); a 401 sends us to the login page.
    api.get("/api/admin/session").catch(() => undefined);
    const timer = window.setTimeout(
      () => {
        clearSession();
        redirectToLogin("expired");
      },
      Math.min(Date.parse(current.expires_at) - Date.now(), MAX_TIMER_MS),
    );
    return () => window.clearTimeout(timer);
  }, []);

  async function logout() {
    try {
      await api.post("/api/admin/logout");
    } finally {
      clearSession();
      window.location.replace("/login/");
    }
  }

  return (
    <div className="frame">
      <aside className="sidebar">
        <div className="brand">
          SaaS LiteLLM <span className="muted">admin</span>
        </div>
        <nav aria-label="main">
          {NAV.map((item) => (
            <Link key={item.href} href={item.href} className={isActive(pathname, item.href) ? "active" : undefined}>
              {item.label}
            </Link>
          ))}
          {config ? (
            <a href={config.litellmUiUrl} target="_blank" rel="noreferrer" className="external">
              LiteLLM UI ↗
            </a>
          ) : null}
        </nav>
        <div className="sidebar-foot">
          {config ? (
            <div className="muted small" title={`from ${config.apiSource}`} data-testid="api-base">
              API {config.apiBaseUrl}
            </div>
          ) : null}
          {session ? (
            <div className="muted small">Session until {formatDateTime(session.expires_at)}</div>
          ) : null}
          <button type="button" className="button" onClick={logout}>
            Log out
          </button>
        </div>
      </aside>
      <main className="content">{session ? children : <div className="state state-loading">Checking session…</div>}</main>
    </div>
  );
}
