// A team's ledger, newest first, paged with the API's cursor ("Load older").
"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { DataState, ErrorMessage } from "@/components/ui";
import { api, ApiError, seg } from "@/lib/api";
import { formatDateTime, shortId } from "@/lib/format";
import type { Ledger, LedgerEntry } from "@/lib/types";
import { formatBareAmount } from "@/lib/units";

const PAGE_SIZE = 25;

export function LedgerTable({ teamId, version }: { teamId: string; version: number }) {
  const [entries, setEntries] = useState<LedgerEntry[]>([]);
  const [ledger, setLedger] = useState<Ledger>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError>();

  async function load(before?: number) {
    setLoading(true);
    setError(undefined);
    try {
      const page = await api.get<Ledger>(`/api/teams/${seg(teamId)}/ledger`, { limit: PAGE_SIZE, before });
      setLedger(page);
      setEntries((old) => (before === undefined ? page.entries : [...old, ...page.entries]));
    } catch (reason) {
      setError(reason instanceof ApiError ? reason : new ApiError(0, "error", String(reason)));
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    load();
    // reload from the newest entry whenever the team changes (credits added, suspended, ...)
  }, [teamId, version]);

  const unit = ledger?.budget_unit ?? "credits";
  return (
    <section className="card">
      <h2>Ledger <span className="muted small">(amounts in {unit === "usd_micros" ? "USD" : unit})</span></h2>
      <DataState loading={loading} error={entries.length ? undefined : error} empty={entries.length === 0}
        emptyText="No ledger entries yet." onRetry={() => load()}>
        <table className="table" data-testid="ledger-table">
          <thead>
            <tr>
              <th>#</th>
              <th>When</th>
              <th>Kind</th>
              <th className="num">Amount</th>
              <th className="num">Held change</th>
              <th className="num">Charged</th>
              <th className="num">Balance after</th>
              <th>Job</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-kind={e.kind}>
                <td>{e.id}</td>
                <td>{formatDateTime(e.created_at)}</td>
                <td>{e.kind}</td>
                <td className="num">{formatBareAmount(e.amount, unit)}</td>
                <td className="num">{formatBareAmount(e.held_delta, unit)}</td>
                <td className="num">{formatBareAmount(e.charged, unit)}</td>
                <td className="num">{formatBareAmount(e.balance_after, unit)}</td>
                <td>{e.job_id ? <Link href={`/jobs/detail/?id=${e.job_id}`}>{shortId(e.job_id)}</Link> : ""}</td>
                <td>{e.reason ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {entries.length ? <ErrorMessage error={error} /> : null}
        {ledger?.next_cursor ? (
          <button type="button" className="button" disabled={loading} onClick={() => load(ledger.next_cursor ?? undefined)}>
            {loading ? "Loading…" : "Load older"}
          </button>
        ) : null}
      </DataState>
    </section>
  );
}
