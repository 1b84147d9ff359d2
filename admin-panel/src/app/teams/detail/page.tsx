"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { AddCreditsForm, RefundCreditsForm } from "@/components/CreditsForm";
import { LedgerTable } from "@/components/LedgerTable";
import { EditTeamForm, formatJobPrices } from "@/components/TeamForm";
import { TeamKeys } from "@/components/TeamKeys";
import { UsageTotals } from "@/components/UsageTotals";
import { ConfirmButton, DataState, ErrorMessage, Notice, PageHeader, Stat, StatusBadge } from "@/components/ui";
import { api, seg } from "@/lib/api";
import { formatDateTime } from "@/lib/format";
import { useAction, useLoad } from "@/lib/hooks";
import { formatPercent } from "@/lib/money";
import type { AccessGroup, Overview, Team } from "@/lib/types";
import { BUDGET_MODE_LABEL, formatAmount, formatInteger } from "@/lib/units";

function TeamDetail() {
  const id = useSearchParams().get("id") ?? "";
  const [version, setVersion] = useState(0);
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<string>();
  const team = useLoad(id ? `team:${id}:${version}` : null, () => api.get<Team>(`/api/teams/${seg(id)}`));
  const groups = useLoad("groups", () => api.get<AccessGroup[]>("/api/model-access-groups"));
  const usage = useLoad(id ? `usage:${id}:${version}` : null, () =>
    api.get<Overview>("/api/usage/overview", { team_id: id, granularity: "month" }),
  );
  const status = useAction();

  if (!id) return <div className="state state-error">No team given. <Link href="/teams/">All teams</Link></div>;

  const changed = (message?: string) => {
    setNotice(message);
    setVersion((v) => v + 1);
  };

  async function setSuspended(suspend: boolean) {
    const updated = await status.run(() => api.post<Team>(`/api/teams/${seg(id)}/${suspend ? "suspend" : "resume"}`));
    if (updated) changed(suspend ? "Team suspended: its calls are refused until it is resumed." : "Team resumed.");
  }

  const t = team.data;
  return (
    <>
      <PageHeader title={t?.team_alias ? `${t.team_alias}` : id}>
        {t ? <StatusBadge status={t.status} /> : null}
        {t?.status === "active" ? (
          <ConfirmButton label="Suspend team" confirmLabel="Yes, suspend" danger busy={status.busy} onConfirm={() => setSuspended(true)} />
        ) : null}
        {t?.status === "suspended" ? (
          <ConfirmButton label="Resume team" confirmLabel="Yes, resume" busy={status.busy} onConfirm={() => setSuspended(false)} />
        ) : null}
        {t ? (
          <button type="button" className="button" onClick={() => setEditing((e) => !e)}>
            {editing ? "Close editor" : "Edit limits"}
          </button>
        ) : null}
        <Link className="button" href={`/jobs/?team_id=${encodeURIComponent(id)}`}>Jobs</Link>
        <Link className="button" href={`/?team_id=${encodeURIComponent(id)}`}>Usage over time</Link>
      </PageHeader>
      <ErrorMessage error={status.error} />
      {notice ? <Notice kind="success">{notice}</Notice> : null}
      <DataState loading={team.loading} error={team.error} empty={!t} onRetry={team.reload}>
        {t ? (
          <>
            <div className="stats" data-testid="balance">
              <Stat testId="credits-remaining" label="Balance" value={formatAmount(t.credits_remaining, t.budget_unit)}
                detail={`of ${formatAmount(t.credits_allocated, t.budget_unit)} allocated`} />
              <Stat label="Available now" value={formatAmount(t.credits_available, t.budget_unit)} />
              <Stat label="Held by open work" value={formatAmount(t.credits_held, t.budget_unit)} />
              <Stat label="Used" value={formatAmount(t.credits_used, t.budget_unit)} />
            </div>
            {editing && groups.data ? (
              <EditTeamForm team={t} groups={groups.data} onCancel={() => setEditing(false)}
                onSaved={() => { setEditing(false); changed("Limits saved."); }} />
            ) : null}
            <div className="grid-2">
              <section className="card">
                <h2>Settings</h2>
                <dl className="facts" data-testid="team-facts">
                  <dt>Team id</dt><dd>{t.team_id}</dd>
                  <dt>Organization</dt>
                  <dd><Link href={`/organizations/detail/?id=${encodeURIComponent(t.organization_id)}`}>{t.organization_id}</Link></dd>
                  <dt>Status</dt><dd>{t.status}</dd>
                  <dt>Budget mode</dt><dd>{BUDGET_MODE_LABEL[t.budget_mode]}</dd>
                  <dt>Limit</dt>
                  <dd>
                    {t.limit_type}, warn at {t.warn_threshold_percent}%
                    {t.overage_ceiling !== null ? `, overage up to ${formatAmount(t.overage_ceiling, t.budget_unit)}` : ""}
                  </dd>
                  {t.budget_mode === "job_based" ? (
                    <>
                      <dt>Credits per job type</dt>
                      <dd data-testid="job-type-prices">{formatJobPrices(t.job_type_prices) || "1 for every type"}{Object.keys(t.job_type_prices).length ? "; others 1" : ""}</dd>
                    </>
                  ) : null}
                  <dt>Markup</dt><dd data-testid="markup">{formatPercent(t.markup_percent)}</dd>
                  <dt>Default alias</dt><dd>{t.default_alias ?? "—"}</dd>
                  <dt>Rate limits</dt>
                  <dd>{t.rpm_limit ? `${formatInteger(t.rpm_limit)} rpm` : "no rpm limit"}, {t.tpm_limit ? `${formatInteger(t.tpm_limit)} tpm` : "no tpm limit"}</dd>
                  <dt>Access groups</dt><dd>{t.access_groups.join(", ") || "none"}</dd>
                  <dt>Created</dt><dd>{formatDateTime(t.created_at)}</dd>
                </dl>
              </section>
              <div>
                <AddCreditsForm team={t} onAdded={() => changed()} />
                <RefundCreditsForm team={t} onRefunded={() => changed()} />
              </div>
            </div>
          </>
        ) : null}
      </DataState>
      <h2>Usage, all time</h2>
      <DataState loading={usage.loading} error={usage.error} empty={!usage.data} onRetry={usage.reload}>
        {usage.data ? <UsageTotals report={usage.data.totals} /> : null}
      </DataState>
      <TeamKeys teamId={id} />
      <LedgerTable teamId={id} version={version} />
    </>
  );
}

export default function TeamDetailPage() {
  return (
    <Suspense fallback={<div className="state state-loading">Loading…</div>}>
      <TeamDetail />
    </Suspense>
  );
}
