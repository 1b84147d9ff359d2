"use client";

import Link from "next/link";
import { useEffect, useState, type FormEvent } from "react";
import { DataState, Field, PageHeader, Pager, StatusBadge } from "@/components/ui";
import { api } from "@/lib/api";
import { formatDateTime, localInputToIso, shortId } from "@/lib/format";
import { useLoad } from "@/lib/hooks";
import { formatMicros } from "@/lib/money";
import type { JobPage, Organization, Team } from "@/lib/types";
import { formatInteger } from "@/lib/units";

const PAGE_SIZE = 25;
const FILTER_NAMES = ["team_id", "organization_id", "status", "job_type", "start", "end"] as const;
type Filters = Record<(typeof FILTER_NAMES)[number], string>;
const NO_FILTERS: Filters = { team_id: "", organization_id: "", status: "", job_type: "", start: "", end: "" };

export default function JobsPage() {
  const [form, setForm] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters | null>(null);
  const [page, setPage] = useState(0);
  const [rangeError, setRangeError] = useState<string>();
  const orgs = useLoad("orgs", () => api.get<Organization[]>("/api/organizations"));
  const teams = useLoad("teams", () => api.get<Team[]>("/api/teams"));

  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const initial = { ...NO_FILTERS };
    for (const name of ["team_id", "organization_id", "status", "job_type"] as const) initial[name] = params.get(name) ?? "";
    setForm(initial);
    setApplied(initial);
  }, []);

  const query = applied
    ? {
        team_id: applied.team_id.trim(),
        organization_id: applied.organization_id,
        status: applied.status,
        job_type: applied.job_type.trim(),
        start: localInputToIso(applied.start),
        end: localInputToIso(applied.end),
        limit: PAGE_SIZE,
        offset: page * PAGE_SIZE,
      }
    : null;
  const jobs = useLoad(query ? JSON.stringify(query) : null, () => api.get<JobPage>("/api/admin/jobs", query ?? {}));

  function apply(event: FormEvent) {
    event.preventDefault();
    const start = localInputToIso(form.start);
    const end = localInputToIso(form.end);
    if (start && end && start >= end) return setRangeError("the start must be before the end");
    setRangeError(undefined);
    setPage(0);
    setApplied({ ...form });
    const params = new URLSearchParams();
    for (const name of ["team_id", "organization_id", "status", "job_type"] as const) if (form[name]) params.set(name, form[name]);
    const search = params.toString();
    window.history.replaceState(null, "", search ? `/jobs/?${search}` : "/jobs/");
  }

  const set = (name: keyof Filters, value: string) => setForm((f) => ({ ...f, [name]: value }));
  const items = jobs.data?.items;

  return (
    <>
      <PageHeader title="Jobs" />
      <form className="card filters" onSubmit={apply} noValidate aria-label="job filters">
        <Field label="Team" name="team_id">
          <input id="team_id" list="team-ids" value={form.team_id} placeholder="any" onChange={(e) => set("team_id", e.target.value)} />
          <datalist id="team-ids">
            {(teams.data ?? []).map((t) => <option key={t.team_id} value={t.team_id} />)}
          </datalist>
        </Field>
        <Field label="Organization" name="organization_id">
          <select id="organization_id" value={form.organization_id} onChange={(e) => set("organization_id", e.target.value)}>
            <option value="">All organizations</option>
            {(orgs.data ?? []).map((o) => (
              <option key={o.organization_id} value={o.organization_id}>{o.name} ({o.organization_id})</option>
            ))}
          </select>
        </Field>
        <Field label="Status" name="status">
          <select id="status" value={form.status} onChange={(e) => set("status", e.target.value)}>
            <option value="">Any status</option>
            <option value="pending">Pending</option>
            <option value="in_progress">In progress</option>
            <option value="completed">Completed</option>
            <option value="failed">Failed</option>
          </select>
        </Field>
        <Field label="Job type" name="job_type">
          <input id="job_type" value={form.job_type} placeholder="any" onChange={(e) => set("job_type", e.target.value)} />
        </Field>
        <Field label="From" name="start" error={rangeError}>
          <input id="start" type="datetime-local" value={form.start} onChange={(e) => set("start", e.target.value)} />
        </Field>
        <Field label="Until" name="end">
          <input id="end" type="datetime-local" value={form.end} onChange={(e) => set("end", e.target.value)} />
        </Field>
        <div className="filters-submit">
          <button type="submit" className="button button-primary">Search</button>
        </div>
      </form>
      <section className="card">
        <DataState loading={jobs.loading || !applied} error={jobs.error} empty={!items?.length} onRetry={jobs.reload}
          emptyText={page > 0 ? "No more jobs." : "No jobs match these filters."}>
          <table className="table" data-testid="jobs-table" aria-busy={jobs.loading}>
            <thead>
              <tr>
                <th>Created</th>
                <th>Job</th>
                <th>Team</th>
                <th>Type</th>
                <th>Status</th>
                <th className="num">Calls</th>
                <th className="num">Provider cost</th>
                <th className="num">Client cost</th>
                <th className="num">Credits</th>
              </tr>
            </thead>
            <tbody>
              {(items ?? []).map((job) => (
                <tr key={job.job_id} data-job-id={job.job_id}>
                  <td>{formatDateTime(job.created_at)}</td>
                  <td><Link href={`/jobs/detail/?id=${job.job_id}`} title={job.job_id}>{shortId(job.job_id)}</Link></td>
                  <td><Link href={`/teams/detail/?id=${encodeURIComponent(job.team_id)}`}>{job.team_id}</Link></td>
                  <td>{job.job_type}</td>
                  <td><StatusBadge status={job.status} /></td>
                  <td className="num">{formatInteger(job.total_calls ?? 0)}</td>
                  <td className="num">{formatMicros(job.provider_cost_micros ?? 0)}</td>
                  <td className="num">{formatMicros(job.client_cost_micros ?? 0)}</td>
                  <td className="num">{formatInteger(job.credits_charged)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </DataState>
        <Pager page={page} hasMore={jobs.data?.has_more} onPage={setPage} label="job pages" />
      </section>
    </>
  );
}
