"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { KeyReveal } from "@/components/KeyReveal";
import { CreateTeamForm } from "@/components/TeamForm";
import { TeamsTable } from "@/components/TeamsTable";
import { DataState, PageHeader, Pager } from "@/components/ui";
import { api } from "@/lib/api";
import { useLoad, usePages } from "@/lib/hooks";
import type { AccessGroup, Organization, Team, TeamCreated } from "@/lib/types";

const PAGE_SIZE = 20;

export default function TeamsPage() {
  const teams = useLoad("teams", () => api.get<Team[]>("/api/teams"));
  const orgs = useLoad("orgs", () => api.get<Organization[]>("/api/organizations"));
  const groups = useLoad("groups", () => api.get<AccessGroup[]>("/api/model-access-groups"));
  const [search, setSearch] = useState("");
  const [organizationId, setOrganizationId] = useState("");
  const [status, setStatus] = useState("");
  const [showForm, setShowForm] = useState(false);
  const [created, setCreated] = useState<TeamCreated>();

  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    setOrganizationId(params.get("organization_id") ?? "");
    setShowForm(params.get("new") === "1");
  }, []);

  const needle = search.trim().toLowerCase();
  const matching = teams.data?.filter(
    (t) =>
      (!organizationId || t.organization_id === organizationId) &&
      (!status || t.status === status) &&
      (!needle || t.team_id.toLowerCase().includes(needle) || (t.team_alias ?? "").toLowerCase().includes(needle)),
  );
  const { rows, page, pageCount, setPage } = usePages(matching, PAGE_SIZE);

  return (
    <>
      <PageHeader title="Teams">
        <button type="button" className="button button-primary" onClick={() => setShowForm((s) => !s)}>
          {showForm ? "Close" : "New team"}
        </button>
      </PageHeader>
      {created ? (
        <KeyReveal
          heading={<>Team <Link href={`/teams/detail/?id=${encodeURIComponent(created.team_id)}`}>{created.team_id}</Link> created</>}
          virtualKey={created.api_key}
          onDone={() => setCreated(undefined)}
        />
      ) : null}
      {showForm && orgs.data && groups.data ? (
        <CreateTeamForm
          organizations={orgs.data}
          groups={groups.data}
          initialOrganization={organizationId}
          onCreated={(team) => {
            setCreated(team);
            setShowForm(false);
            teams.reload();
          }}
        />
      ) : null}
      <section className="card">
        <div className="toolbar">
          <input type="search" placeholder="Search teams" aria-label="search teams" value={search}
            onChange={(e) => { setSearch(e.target.value); setPage(0); }} />
          <select aria-label="organization filter" value={organizationId}
            onChange={(e) => { setOrganizationId(e.target.value); setPage(0); }}>
            <option value="">All organizations</option>
            {(orgs.data ?? []).map((o) => (
              <option key={o.organization_id} value={o.organization_id}>
                {o.name} ({o.organization_id})
              </option>
            ))}
          </select>
          <select aria-label="status filter" value={status} onChange={(e) => { setStatus(e.target.value); setPage(0); }}>
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="suspended">Suspended</option>
          </select>
        </div>
        <DataState loading={teams.loading} error={teams.error} empty={!matching?.length} onRetry={teams.reload}
          emptyText={teams.data?.length ? "No team matches these filters." : "No teams yet. Create the first one."}>
          <TeamsTable teams={rows} />
          <Pager page={page} pageCount={pageCount} onPage={setPage} label="team pages" />
        </DataState>
      </section>
    </>
  );
}
