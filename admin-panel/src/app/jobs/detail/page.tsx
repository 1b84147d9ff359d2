"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { DataState, PageHeader, Stat, StatusBadge } from "@/components/ui";
import { api, seg } from "@/lib/api";
import { formatDateTime, formatLatency, shortId } from "@/lib/format";
import { useLoad } from "@/lib/hooks";
import { formatMicros, marginPercent } from "@/lib/money";
import type { JobDetail } from "@/lib/types";
import { formatInteger } from "@/lib/units";

function JobDetailView() {
  const id = useSearchParams().get("id") ?? "";
  const job = useLoad(id ? `job:${id}` : null, () => api.get<JobDetail>(`/api/admin/jobs/${seg(id)}`));
  if (!id) return <div className="state state-error">No job given. <Link href="/jobs/">All jobs</Link></div>;
  const j = job.data;
  const provider = j?.calls.reduce((sum, c) => sum + (c.provider_cost_micros ?? 0), 0) ?? 0;
  const client = j?.calls.reduce((sum, c) => sum + (c.client_cost_micros ?? 0), 0) ?? 0;
  return (
    <>
      <PageHeader title={`Job ${shortId(id)}`}>
        {j ? <StatusBadge status={j.status} /> : null}
        <Link className="button" href="/jobs/">All jobs</Link>
      </PageHeader>
      <DataState loading={job.loading} error={job.error} empty={!j} onRetry={job.reload}>
        {j ? (
          <>
            <div className="stats">
              <Stat label="Calls" value={formatInteger(j.calls.length)} />
              <Stat label="Provider cost" value={formatMicros(provider)} />
              <Stat label="Client cost" value={formatMicros(client)} />
              <Stat label="Margin" value={formatMicros(client - provider)} detail={marginPercent(client - provider, client)} />
              <Stat label="Credits charged" value={formatInteger(j.credits_charged)} />
            </div>
            <section className="card">
              <dl className="facts" data-testid="job-facts">
                <dt>Job id</dt><dd><code>{j.job_id}</code></dd>
                <dt>Team</dt><dd><Link href={`/teams/detail/?id=${encodeURIComponent(j.team_id)}`}>{j.team_id}</Link></dd>
                <dt>Type</dt><dd>{j.job_type}</dd>
                <dt>Status</dt><dd>{j.status}</dd>
                <dt>Created</dt><dd>{formatDateTime(j.created_at)}</dd>
                <dt>Completed</dt><dd>{formatDateTime(j.completed_at)}</dd>
                {j.error_message ? (<><dt>Error</dt><dd>{j.error_message}</dd></>) : null}
                <dt>Metadata</dt><dd><code>{JSON.stringify(j.metadata)}</code></dd>
              </dl>
            </section>
            <section className="card">
              <h2>Calls</h2>
              {j.calls.length === 0 ? (
                <div className="state state-empty">This job has made no calls.</div>
              ) : (
                <table className="table" data-testid="calls-table">
                  <thead>
                    <tr>
                      <th>When</th>
                      <th>Alias</th>
                      <th>Resolved model</th>
                      <th>Status</th>
                      <th className="num">Tokens in / out</th>
                      <th className="num">Provider cost</th>
                      <th className="num">Client cost</th>
                      <th className="num">Latency</th>
                      <th>Cache</th>
                    </tr>
                  </thead>
                  <tbody>
                    {j.calls.map((c) => (
                      <tr key={c.call_id}>
                        <td>{formatDateTime(c.created_at)}</td>
                        <td>{c.alias ?? "—"}</td>
                        <td><code>{c.resolved_model ?? "—"}</code></td>
                        <td>
                          <StatusBadge status={c.status} />
                          {c.error_type ? <div className="muted small">{c.error_type}</div> : null}
                        </td>
                        <td className="num">{formatInteger(c.prompt_tokens)} / {formatInteger(c.completion_tokens)}</td>
                        <td className="num">{formatMicros(c.provider_cost_micros)}</td>
                        <td className="num">{formatMicros(c.client_cost_micros)}</td>
                        <td className="num">{formatLatency(c.latency_ms)}</td>
                        <td>{c.cache_hit ? "hit" : "miss"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          </>
        ) : null}
      </DataState>
    </>
  );
}

export default function JobDetailPage() {
  return (
    <Suspense fallback={<div className="state state-loading">Loading…</div>}>
      <JobDetailView />
    </Suspense>
  );
}
