"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { BreakdownTable } from "@/components/Breakdowns";
import { TeamsTable } from "@/components/TeamsTable";
import { UsageTotals } from "@/components/UsageTotals";
import { DataState, PageHeader } from "@/components/ui";
import { api, seg } from "@/lib/api";
import { formatDateTime } from "@/lib/format";
import { useLoad } from "@/lib/hooks";
import type { Organization, Team, UsageReport } from "@/lib/types";

function OrganizationDetail() {
  const id = useSearchParams().get("id") ?? "";
  const org = useLoad(id ? `org:${id}` : null, () => api.get<Organization>(`/api/organizations/${seg(id)}`));
  const teams = useLoad(id ? `teams:${id}` : null, () => api.get<Team[]>("/api/teams", { organization_id: id }));
  const usage = useLoad(id ? `usage:${id}` : null, () => api.get<UsageReport>(`/api/organizations/${seg(id)}/usage`));

  if (!id) return <div className="state state-error">No organization given. <Link href="/organizations/">All organizations</Link></div>;
  return (
    <>
      <PageHeader title={org.data?.name ?? id}>
        <Link className="button" href={`/teams/?organization_id=${encodeURIComponent(id)}&new=1`}>New team here</Link>
        <Link className="button" href={`/?organization_id=${encodeURIComponent(id)}`}>Usage over time</Link>
        <Link className="button" href={`/jobs/?organization_id=${encodeURIComponent(id)}`}>Jobs</Link>
      </PageHeader>
      <DataState loading={org.loading} error={org.error} empty={!org.data} onRetry={org.reload}>
        {org.data ? (
          <section className="card">
            <dl className="facts">
              <dt>Organization id</dt>
              <dd>{org.data.organization_id}</dd>
              <dt>Created</dt>
              <dd>{formatDateTime(org.data.created_at)}</dd>
              <dt>Metadata</dt>
              <dd><code>{JSON.stringify(org.data.metadata)}</code></dd>
            </dl>
          </section>
        ) : null}
      </DataState>
      <section className="card">
        <h2>Teams</h2>
        <DataState loading={teams.loading} error={teams.error} empty={!teams.data?.length} onRetry={teams.reload}
          emptyText="No teams in this organization yet.">
          <TeamsTable teams={teams.data ?? []} showOrganization={false} />
        </DataState>
      </section>
      <h2>Usage, all time</h2>
      <DataState loading={usage.loading} error={usage.error} empty={!usage.data} onRetry={usage.reload}>
        {usage.data ? (
          <>
            <UsageTotals report={usage.data} />
            <div className="grid-2">
              <BreakdownTable title="By team" keyLabel="Team" rows={usage.data.by_team} linkTeam />
              <BreakdownTable title="By job type" keyLabel="Job type" rows={usage.data.by_job_type} />
            </div>
          </>
        ) : null}
      </DataState>
    </>
  );
}

export default function OrganizationDetailPage() {
  return (
    <Suspense fallback={<div className="state state-loading">Loading…</div>}>
      <OrganizationDetail />
    </Suspense>
  );
}
