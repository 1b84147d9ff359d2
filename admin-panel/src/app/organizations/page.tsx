"use client";

import Link from "next/link";
import { useState } from "react";
import { CreateOrganizationForm } from "@/components/CreateOrganizationForm";
import { DataState, Notice, PageHeader, Pager } from "@/components/ui";
import { api } from "@/lib/api";
import { formatDateTime } from "@/lib/format";
import { useLoad, usePages } from "@/lib/hooks";
import type { Organization } from "@/lib/types";

const PAGE_SIZE = 20;

export default function OrganizationsPage() {
  const orgs = useLoad("orgs", () => api.get<Organization[]>("/api/organizations"));
  const [search, setSearch] = useState("");
  const [showForm, setShowForm] = useState(false);
  const [created, setCreated] = useState<Organization>();
  const needle = search.trim().toLowerCase();
  const matching = orgs.data?.filter(
    (o) => !needle || o.organization_id.toLowerCase().includes(needle) || o.name.toLowerCase().includes(needle),
  );
  const { rows, page, pageCount, setPage } = usePages(matching, PAGE_SIZE);

  return (
    <>
      <PageHeader title="Organizations">
        <input type="search" placeholder="Search organizations" aria-label="search organizations" value={search}
          onChange={(e) => { setSearch(e.target.value); setPage(0); }} />
        <button type="button" className="button button-primary" onClick={() => setShowForm((s) => !s)}>
          {showForm ? "Close" : "New organization"}
        </button>
      </PageHeader>
      {showForm ? (
        <CreateOrganizationForm
          onCreated={(org) => {
            setCreated(org);
            setShowForm(false);
            orgs.reload();
          }}
        />
      ) : null}
      {created ? (
        <Notice kind="success">
          Organization <Link href={`/organizations/detail/?id=${encodeURIComponent(created.organization_id)}`}>{created.organization_id}</Link> created.
        </Notice>
      ) : null}
      <section className="card">
        <DataState loading={orgs.loading} error={orgs.error} empty={!matching?.length} onRetry={orgs.reload}
          emptyText={needle ? "No organization matches." : "No organizations yet. Create the first one."}>
          <table className="table" data-testid="organizations-table">
            <thead>
              <tr>
                <th>Organization</th>
                <th>Name</th>
                <th className="num">Teams</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((org) => (
                <tr key={org.organization_id}>
                  <td>
                    <Link href={`/organizations/detail/?id=${encodeURIComponent(org.organization_id)}`}>{org.organization_id}</Link>
                  </td>
                  <td>{org.name}</td>
                  <td className="num">{org.team_ids.length}</td>
                  <td>{formatDateTime(org.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={page} pageCount={pageCount} onPage={setPage} label="organization pages" />
        </DataState>
      </section>
    </>
  );
}
