"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { ErrorMessage, Field, Notice } from "@/components/ui";
import { apiRequest } from "@/lib/api";
import { loadConfig, type PanelConfig } from "@/lib/config";
import { useAction } from "@/lib/hooks";
import { readSession, saveSession } from "@/lib/session";
import type { AdminSession } from "@/lib/types";

/** Only same-site paths, so a crafted `next` cannot send the browser elsewhere after login. */
function safeNext(raw: string | null): string {
  return raw && raw.startsWith("/") && !raw.startsWith("//") && !raw.startsWith("/login") ? raw : "/";
}

export default function LoginPage() {
  const router = useRouter();
  const [masterKey, setMasterKey] = useState("");
  const [fieldError, setFieldError] = useState<string>();
  const [expired, setExpired] = useState(false);
  const [next, setNext] = useState("/");
  const [config, setConfig] = useState<PanelConfig>();
  const { busy, error, run } = useAction();

  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const target = safeNext(params.get("next"));
    setNext(target);
    setExpired(params.get("expired") === "1");
    loadConfig().then(setConfig);
    if (readSession()) router.replace(target);
  }, [router]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!masterKey.trim()) {
      setFieldError("enter the MASTER_KEY from the server's .env");
      return;
    }
    setFieldError(undefined);
    const session = await run(() =>
      apiRequest<AdminSession>("POST", "/api/admin/login", { body: { master_key: masterKey.trim() }, auth: false }),
    );
    if (!session) return;
    setMasterKey("");
    saveSession(session);
    router.replace(next);
  }

  return (
    <div className="login-card">
      <h1>SaaS LiteLLM admin</h1>
      <p className="muted">Log in with the master key. The panel keeps only a session token, never the key.</p>
      {expired ? <Notice kind="warn">Your session has expired. Log in again.</Notice> : null}
      <form onSubmit={submit} noValidate>
        <Field label="Master key" name="master_key" error={fieldError}>
          <input
            id="master_key"
            name="master_key"
            type="password"
            autoComplete="current-password"
            value={masterKey}
            onChange={(e) => setMasterKey(e.target.value)}
            autoFocus
          />
        </Field>
        <ErrorMessage error={error} />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
      {config ? (
        <p className="muted small" data-testid="api-base">
          API: {config.apiBaseUrl}
          {config.apiSource === "link" ? " (set by the ?api= link for this tab)" : ""}
        </p>
      ) : null}
    </div>
  );
}
