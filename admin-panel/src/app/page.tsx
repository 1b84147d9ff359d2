"use client";

import { useEffect, useMemo, useState, type FormEvent } from "react";
import { BreakdownTable } from "@/components/Breakdowns";
import { UsageCharts } from "@/components/UsageCharts";
import { UsageTotals } from "@/components/UsageTotals";
import { DataState, Field, PageHeader } from "@/components/ui";
import { api } from "@/lib/api";
import { localInputToIso } from "@/lib/format";
import { useLoad } from "@/lib/hooks";
import { fillSeries, toChartPoints } from "@/lib/series";
import type { Granularity, Organization, Overview, Team } from "@/lib/types";

type Preset = "24h" | "7d" | "30d" | "90d" | "365d" | "all" | "custom";

const PRESETS: { value: Preset; label: string; hours?: number; granularity: Granularity }[] = [
  { value: "24h", label: "Last 24 hours", hours: 24, granularity: "hour" },
  { value: "7d", label: "Last 7 days", hours: 24 * 7, granularity: "day" },
  { value: "30d", label: "Last 30 days", hours: 24 * 30, granularity: "day" },
  { value: "90d", label: "Last 90 days", hours: 24 * 90, granularity: "week" },
  { value: "365d", label: "Last 12 months", hours: 24 * 365, granularity: "month" },
  { value: "all", label: "All time", granularity: "month" },
  { value: "custom", label: "Custom…", granularity: "day" },
];

interface Filters {
  preset: Preset;
  customStart: string;
  customEnd: string;
  granularity: Granularity | "auto";
  organizationId: string;
  teamId: string;
  jobType: string;
}

interface Query {
  start?: string;
  end?: string;
  granularity: Granularity;
  organization_id?: string;
  team_id?: string;
  job_type?: string;
}

const INITIAL: Filters = {
  preset: "7d",
  customStart: "",
  customEnd: "",
  granularity: "auto",
  organizationId: "",
  teamId: "",
  jobType: "",
};

function toQuery(filters: Filters): Query {
  const preset = PRESETS.find((p) => p.value === filters.preset) ?? PRESETS[1];
  const granularity = filters.granularity === "auto" ? preset.granularity : filters.granularity;
  let start: string | undefined;
  let end: string | undefined;
  if (preset.hours) start = new Date(Date.now() - preset.hours * 3_600_000).toISOString();
  if (filters.preset === "custom") {
    start = localInputToIso(filters.customStart);
    end = localInputToIso(filters.customEnd);
  }
  return {
    start,
    end,
    granularity,
    organization_id: filters.organizationId || undefined,
    team_id: filters.teamId || undefined,
    job_type: filters.jobType.trim() || undefined,
  };
}

export default function OverviewPage() {
  const [filters, setFilters] = useState<Filters>(INITIAL);
  const [query, setQuery] = useState<Query | null>(null);
  const [filterError, setFilterError] = useState<string>();

  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const initial = { ...INITIAL, organizationId: params.get("organization_id") ?? "", teamId: params.get("team_id") ?? "" };
    setFilters(initial);
    setQuery(toQuery(initial));
  }, []);

  const orgs = useLoad("orgs", () => api.get<Organization[]>("/api/organizations"));
  const teams = useLoad("teams", () => api.get<Team[]>("/api/teams"));
  const overview = useLoad(query ? JSON.stringify(query) : null, () =>
    api.get<Overview>("/api/usage/overview", { ...query }),
  );

  // The series is bucketed by the granularity we asked for (the response echoes it as a plain string).
  const chart = useMemo(() => {
    if (!overview.data || !query) return null;
    const points = toChartPoints(fillSeries(overview.data.series, query.granularity, query.start, query.end));
    return { points, granularity: query.granularity };
  }, [overview.data, query]);

  const teamChoices = (teams.data ?? []).filter(
    (t) => !filters.organizationId || t.organization_id === filters.organizationId,
  );

  function apply(event: FormEvent) {
    event.preventDefault();
    if (filters.preset === "custom") {
      const start = localInputToIso(filters.customStart);
      const end = localInputToIso(filters.customEnd);
      if (!start && !end) return setFilterError("give a start, an end, or both");
      if (start && end && start >= end) return setFilterError("the start must be before the end");
    }
    setFilterError(undefined);
    setQuery(toQuery(filters));
  }

  const set = <K extends keyof Filters>(name: K, value: Filters[K]) => setFilters((f) => ({ ...f, [name]: value }));

  return (
    <>
      <PageHeader title="Overview" />
      <form className="card filters" onSubmit={apply} aria-label="filters" noValidate>
        <Field label="Period" name="preset">
          <select id="preset" value={filters.preset} onChange={(e) => set("preset", e.target.value as Preset)}>
            {PRESETS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </Field>
        {filters.preset === "custom" ? (
          <>
            <Field label="From" name="custom_start" error={filterError}>
              <input id="custom_start" type="datetime-local" value={filters.customStart}
                onChange={(e) => set("customStart", e.target.value)} />
            </Field>
            <Field label="Until" name="custom_end">
              <input id="custom_end" type="datetime-local" value={filters.customEnd}
                onChange={(e) => set("customEnd", e.target.value)} />
            </Field>
          </>
        ) : null}
        <Field label="Granularity" name="granularity">
          <select id="granularity" value={filters.granularity}
            onChange={(e) => set("granularity", e.target.value as Filters["granularity"])}>
            <option value="auto">Auto</option>
            <option value="hour">Hour</option>
            <option value="day">Day</option>
            <option value="week">Week</option>
            <option value="month">Month</option>
          </select>
        </Field>
        <Field label="Organization" name="organization_id">
          <select id="organization_id" value={filters.organizationId}
            onChange={(e) => setFilters((f) => ({ ...f, organizationId: e.target.value, teamId: "" }))}>
            <option value="">All organizations</option>
            {(orgs.data ?? []).map((o) => (
              <option key={o.organization_id} value={o.organization_id}>
                {o.name} ({o.organization_id})
              </option>
            ))}
          </select>
        </Field>
        <Field label="Team" name="team_id">
          <select id="team_id" value={filters.teamId} onChange={(e) => set("teamId", e.target.value)}>
            <option value="">All teams</option>
            {teamChoices.map((t) => (
              <option key={t.team_id} value={t.team_id}>
                {t.team_alias ? `${t.team_alias} (${t.team_id})` : t.team_id}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Job type" name="job_type">
          <input id="job_type" list="job-types" value={filters.jobType} placeholder="any"
            onChange={(e) => set("jobType", e.target.value)} />
          <datalist id="job-types">
            {(overview.data?.totals.by_job_type ?? []).map((b) => (
              <option key={b.key} value={b.key} />
            ))}
          </datalist>
        </Field>
        <div className="filters-submit">
          <button type="submit" className="button button-primary">
            Apply
          </button>
        </div>
      </form>
      <DataState loading={overview.loading || !query} error={overview.error} empty={!overview.data} onRetry={overview.reload}>
        {overview.data ? (
          <div aria-busy={overview.loading} data-testid="overview">
            <UsageTotals report={overview.data.totals} />
            {overview.data.series.length === 0 || !chart ? (
              <div className="card state state-empty" data-testid="empty">
                No jobs or calls in this period.
              </div>
            ) : (
              <UsageCharts points={chart.points} granularity={chart.granularity} />
            )}
            <div className="grid-2">
              <BreakdownTable title="By team" keyLabel="Team" rows={overview.data.totals.by_team} linkTeam />
              <BreakdownTable title="By model alias" keyLabel="Alias" rows={overview.data.totals.by_model} showJobs={false} />
            </div>
            <BreakdownTable title="By job type" keyLabel="Job type" rows={overview.data.totals.by_job_type} />
          </div>
        ) : null}
      </DataState>
    </>
  );
}
