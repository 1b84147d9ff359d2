// Building blocks every page uses: states (loading, empty, error), form fields, pagination.
"use client";

import { useState, type ReactNode } from "react";
import type { ApiError } from "@/lib/api";

export function ErrorMessage({ error, title }: { error: ApiError | undefined; title?: string }) {
  if (!error) return null;
  return (
    <div className="alert alert-error" role="alert" data-testid="error">
      {title ? <strong>{title}: </strong> : null}
      {error.message}
      {error.param ? <span className="muted"> (field: {error.param})</span> : null}
    </div>
  );
}

export function Notice({ children, kind = "info" }: { children: ReactNode; kind?: "info" | "success" | "warn" }) {
  return (
    <div className={`alert alert-${kind}`} role="status">
      {children}
    </div>
  );
}

/** Loading, error and empty states around a piece of loaded data. */
export function DataState({
  loading,
  error,
  empty,
  emptyText,
  onRetry,
  children,
}: {
  loading: boolean;
  error?: ApiError;
  empty?: boolean;
  emptyText?: ReactNode;
  onRetry?: () => void;
  children: ReactNode;
}) {
  if (error) {
    return (
      <div className="state state-error" role="alert" data-testid="load-error">
        <p>Could not load: {error.message}</p>
        {onRetry ? (
          <button type="button" className="button" onClick={onRetry}>
            Retry
          </button>
        ) : null}
      </div>
    );
  }
  if (loading && empty !== false) {
    return (
      <div className="state state-loading" aria-busy="true" data-testid="loading">
        Loading…
      </div>
    );
  }
  if (empty) {
    return (
      <div className="state state-empty" data-testid="empty">
        {emptyText ?? "Nothing here yet."}
      </div>
    );
  }
  return <>{children}</>;
}

export function Field({
  label,
  name,
  error,
  hint,
  children,
}: {
  label: string;
  name: string;
  error?: string;
  hint?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className={`field${error ? " field-invalid" : ""}`} data-field={name}>
      <label htmlFor={name}>{label}</label>
      {children}
      {hint && !error ? <small className="hint">{hint}</small> : null}
      {error ? (
        <small className="field-error" role="alert" data-testid={`error-${name}`}>
          {error}
        </small>
      ) : null}
    </div>
  );
}

export function Pager({
  page,
  pageCount,
  hasMore,
  onPage,
  label,
}: {
  page: number;
  pageCount?: number;
  hasMore?: boolean;
  onPage: (page: number) => void;
  label?: string;
}) {
  const canNext = pageCount !== undefined ? page + 1 < pageCount : Boolean(hasMore);
  if (page === 0 && !canNext) return null;
  return (
    <nav className="pager" aria-label={label ?? "pages"}>
      <button type="button" className="button" disabled={page === 0} onClick={() => onPage(page - 1)}>
        ← Previous
      </button>
      <span className="muted">
        Page {page + 1}
        {pageCount !== undefined ? ` of ${pageCount}` : ""}
      </span>
      <button type="button" className="button" disabled={!canNext} onClick={() => onPage(page + 1)}>
        Next →
      </button>
    </nav>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.replace(/[^a-z_]/g, "")}`}>{status.replace("_", " ")}</span>;
}

export function Stat({ label, value, detail, testId }: { label: string; value: ReactNode; detail?: ReactNode; testId?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {detail ? <div className="stat-detail">{detail}</div> : null}
    </div>
  );
}

/** Copy text to the clipboard; falls back to selecting it when the Clipboard API is unavailable. */
export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("yes");
    } catch {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      setCopied(ok ? "yes" : "no");
    }
  }
  return (
    <button type="button" className="button" onClick={copy}>
      {copied === "yes" ? "Copied ✓" : copied === "no" ? "Copy failed: select it" : label}
    </button>
  );
}

/** A button that asks once more before doing something drastic. */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  busy,
  danger,
}: {
  label: string;
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className={`button${danger ? " button-danger" : ""}`} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <button
        type="button"
        className={`button${danger ? " button-danger" : " button-primary"}`}
        disabled={busy}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      {children ? <div className="page-actions">{children}</div> : null}
    </header>
  );
}
