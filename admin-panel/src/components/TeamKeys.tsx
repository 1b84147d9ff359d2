// A team's virtual keys: mint another (to rotate without downtime), revoke an old one.
"use client";

import { useState } from "react";
import { KeyReveal } from "@/components/KeyReveal";
import { ConfirmButton, DataState, ErrorMessage } from "@/components/ui";
import { api, seg } from "@/lib/api";
import { formatDateTime } from "@/lib/format";
import { useAction, useLoad } from "@/lib/hooks";
import type { TeamKey, TeamKeyCreated } from "@/lib/types";

export function TeamKeys({ teamId }: { teamId: string }) {
  const keys = useLoad(`keys:${teamId}`, () => api.get<TeamKey[]>(`/api/teams/${seg(teamId)}/keys`));
  const [minted, setMinted] = useState<TeamKeyCreated>();
  const [label, setLabel] = useState("");
  const action = useAction();

  async function mint() {
    const body = label.trim() ? { label: label.trim() } : undefined;
    const key = await action.run(() => api.post<TeamKeyCreated>(`/api/teams/${seg(teamId)}/keys`, body));
    if (key) {
      setMinted(key);
      setLabel("");
      keys.reload();
    }
  }

  async function revoke(keyId: string) {
    if (await action.run(() => api.delete<TeamKey>(`/api/teams/${seg(teamId)}/keys/${seg(keyId)}`))) keys.reload();
  }

  const active = (keys.data ?? []).filter((k) => !k.revoked_at).length;
  return (
    <section className="card">
      <div className="page-header">
        <h2>Virtual keys</h2>
        <div className="row">
          <input aria-label="Key label" placeholder="label, e.g. staging" maxLength={64} value={label}
            onChange={(e) => setLabel(e.target.value)} />
          <button type="button" className="button" disabled={action.busy} onClick={mint}>
            New key
          </button>
        </div>
      </div>
      {minted ? (
        <KeyReveal heading="New key" virtualKey={minted.api_key} onDone={() => setMinted(undefined)} />
      ) : null}
      <ErrorMessage error={action.error} />
      <DataState loading={keys.loading} error={keys.error} empty={!keys.data?.length} onRetry={keys.reload}
        emptyText="This team has no keys.">
        <table className="table" data-testid="keys-table">
          <thead>
            <tr>
              <th>Key</th>
              <th>Label</th>
              <th>Created</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(keys.data ?? []).map((k) => (
              <tr key={k.key_id} data-key-id={k.key_id}>
                <td><code>{k.key_prefix}…</code></td>
                <td>{k.label ?? "—"}</td>
                <td>{formatDateTime(k.created_at)}</td>
                <td>{k.revoked_at ? `revoked ${formatDateTime(k.revoked_at)}` : "active"}</td>
                <td>
                  {k.revoked_at ? null : (
                    <ConfirmButton label="Revoke" confirmLabel="Yes, revoke" danger busy={action.busy}
                      onConfirm={() => revoke(k.key_id)} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {active === 1 ? <small className="muted">Revoking the last active key stops the team's calls until a new key is minted.</small> : null}
      </DataState>
    </section>
  );
}
