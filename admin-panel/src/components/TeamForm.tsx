// Creating a team, and editing its limits and markup: the fields and checks both forms share.
"use client";

import { useState, type FormEvent } from "react";
import { ErrorMessage, Field } from "@/components/ui";
import { api, seg } from "@/lib/api";
import { useAction } from "@/lib/hooks";
import { compareDecimal, isDecimalString, plainDecimal } from "@/lib/money";
import type { AccessGroup, BudgetMode, LimitType, Organization, Team, TeamCreated } from "@/lib/types";
import { amountInputLabel, amountToInput, BUDGET_MODE_LABEL, BUDGET_UNIT_OF, parseAmount } from "@/lib/units";
import {
  hasErrors,
  identifierError,
  optionalInt,
  optionalIntError,
  type FieldErrors,
} from "@/lib/validate";

interface LimitFields {
  teamAlias: string;
  accessGroups: string[];
  limitType: LimitType;
  warnThreshold: string;
  overageCeiling: string;
  markupPercent: string;
  defaultAlias: string;
  rpmLimit: string;
  tpmLimit: string;
  jobPrices: string;
}

const MAX_JOB_PRICE = 1_000_000_000;

/** "document_analysis=5, chat_session=1" (commas or lines) as the API's job_type_prices map. */
export function parseJobPrices(text: string): { value: Record<string, number> } | { error: string } {
  const prices: Record<string, number> = {};
  for (const part of text.split(/[,\n]/).map((p) => p.trim()).filter(Boolean)) {
    const match = /^([^=\s]{1,128})\s*=\s*(\d+)$/.exec(part);
    if (!match) return { error: `"${part}": write job_type=credits, e.g. document_analysis=5` };
    const price = Number(match[2]);
    if (price > MAX_JOB_PRICE) return { error: `"${part}": at most ${MAX_JOB_PRICE}` };
    prices[match[1]] = price;
  }
  return { value: prices };
}

export function formatJobPrices(prices: Record<string, number>): string {
  return Object.entries(prices)
    .map(([type, price]) => `${type}=${price}`)
    .join(", ");
}

function markupError(value: string): string | undefined {
  if (!isDecimalString(value, 2)) return "enter a percentage such as 0, 20 or 12.5 (at most 2 decimals)";
  if (compareDecimal(value, "10000") > 0) return "at most 10000";
  return undefined;
}

function checkLimits(fields: LimitFields, mode: BudgetMode): FieldErrors {
  const unit = BUDGET_UNIT_OF[mode];
  const ceiling = fields.overageCeiling.trim() ? parseAmount(fields.overageCeiling, unit) : null;
  return {
    team_alias: fields.teamAlias.length > 256 ? "at most 256 characters" : "",
    warn_threshold_percent: fields.warnThreshold.trim()
      ? (optionalIntError(fields.warnThreshold, 1, 100) ?? "")
      : "required (1 to 100)",
    overage_ceiling: ceiling && "error" in ceiling ? ceiling.error : "",
    markup_percent: markupError(fields.markupPercent) ?? "",
    rpm_limit: optionalIntError(fields.rpmLimit, 1) ?? "",
    tpm_limit: optionalIntError(fields.tpmLimit, 1) ?? "",
    job_type_prices: (() => {
      const parsed = parseJobPrices(fields.jobPrices);
      return "error" in parsed ? parsed.error : "";
    })(),
  };
}

function jobPricesValue(fields: LimitFields): Record<string, number> {
  const parsed = parseJobPrices(fields.jobPrices);
  return "value" in parsed ? parsed.value : {};
}

function overageValue(fields: LimitFields, mode: BudgetMode): number | null {
  if (!fields.overageCeiling.trim()) return null;
  const parsed = parseAmount(fields.overageCeiling, BUDGET_UNIT_OF[mode]);
  return "value" in parsed ? parsed.value : null;
}

function LimitInputs({
  fields,
  set,
  errors,
  mode,
  groups,
}: {
  fields: LimitFields;
  set: <K extends keyof LimitFields>(name: K, value: LimitFields[K]) => void;
  errors: FieldErrors;
  mode: BudgetMode;
  groups: AccessGroup[];
}) {
  const unitLabel = amountInputLabel(BUDGET_UNIT_OF[mode]);
  const aliases = Array.from(
    new Set(groups.filter((g) => fields.accessGroups.includes(g.group_name)).flatMap((g) => g.model_aliases)),
  ).sort();
  const toggleGroup = (name: string, on: boolean) =>
    set("accessGroups", on ? [...fields.accessGroups, name] : fields.accessGroups.filter((g) => g !== name));
  return (
    <>
      <div className="form-grid">
        <Field label="Team alias (display name)" name="team_alias" error={errors.team_alias}>
          <input id="team_alias" value={fields.teamAlias} onChange={(e) => set("teamAlias", e.target.value)} />
        </Field>
        <Field label="Limit type" name="limit_type" hint="hard: refuse at zero; soft: warn, allow overage">
          <select id="limit_type" value={fields.limitType} onChange={(e) => set("limitType", e.target.value as LimitType)}>
            <option value="hard">Hard</option>
            <option value="soft">Soft</option>
          </select>
        </Field>
        <Field label="Warn at (% used)" name="warn_threshold_percent" error={errors.warn_threshold_percent}>
          <input id="warn_threshold_percent" inputMode="numeric" value={fields.warnThreshold}
            onChange={(e) => set("warnThreshold", e.target.value)} />
        </Field>
        <Field label={`Overage ceiling (${unitLabel}, soft limits)`} name="overage_ceiling" error={errors.overage_ceiling}
          hint="empty: no ceiling">
          <input id="overage_ceiling" inputMode="decimal" value={fields.overageCeiling}
            onChange={(e) => set("overageCeiling", e.target.value)} />
        </Field>
        <Field label="Markup (%)" name="markup_percent" error={errors.markup_percent} hint="client cost = provider cost × (1 + markup)">
          <input id="markup_percent" inputMode="decimal" value={fields.markupPercent}
            onChange={(e) => set("markupPercent", e.target.value)} />
        </Field>
        <Field label="Requests per minute" name="rpm_limit" error={errors.rpm_limit} hint="empty: no limit">
          <input id="rpm_limit" inputMode="numeric" value={fields.rpmLimit} onChange={(e) => set("rpmLimit", e.target.value)} />
        </Field>
        <Field label="Tokens per minute" name="tpm_limit" error={errors.tpm_limit} hint="empty: no limit">
          <input id="tpm_limit" inputMode="numeric" value={fields.tpmLimit} onChange={(e) => set("tpmLimit", e.target.value)} />
        </Field>
        {mode === "job_based" ? (
          <Field label="Credits per job type" name="job_type_prices" error={errors.job_type_prices}
            hint="e.g. document_analysis=5, chat_session=1; other types cost 1, 0 is free">
            <input id="job_type_prices" value={fields.jobPrices} onChange={(e) => set("jobPrices", e.target.value)} />
          </Field>
        ) : null}
        <Field label="Default model alias" name="default_alias" error={errors.default_alias}>
          <select id="default_alias" value={fields.defaultAlias} onChange={(e) => set("defaultAlias", e.target.value)}>
            <option value="">None (calls must name a model)</option>
            {aliases.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <fieldset className="field checkboxes" data-field="access_groups">
        <legend>Model access groups</legend>
        {groups.length === 0 ? <small className="muted">No access groups yet: create them under Models.</small> : null}
        {groups.map((g) => (
          <label key={g.group_name} className="checkbox">
            <input type="checkbox" name="access_groups" value={g.group_name}
              checked={fields.accessGroups.includes(g.group_name)} onChange={(e) => toggleGroup(g.group_name, e.target.checked)} />
            {g.group_name} <span className="muted small">({g.model_aliases.join(", ") || "no aliases"})</span>
          </label>
        ))}
      </fieldset>
    </>
  );
}

const NEW_LIMITS: LimitFields = {
  teamAlias: "",
  accessGroups: [],
  limitType: "hard",
  warnThreshold: "80",
  overageCeiling: "",
  markupPercent: "0",
  defaultAlias: "",
  rpmLimit: "",
  tpmLimit: "",
  jobPrices: "",
};

export function CreateTeamForm({
  organizations,
  groups,
  initialOrganization,
  onCreated,
}: {
  organizations: Organization[];
  groups: AccessGroup[];
  initialOrganization?: string;
  onCreated: (team: TeamCreated) => void;
}) {
  const [organizationId, setOrganizationId] = useState(initialOrganization ?? "");
  const [teamId, setTeamId] = useState("");
  const [mode, setMode] = useState<BudgetMode>("job_based");
  const [credits, setCredits] = useState("0");
  const [fields, setFields] = useState<LimitFields>(NEW_LIMITS);
  const [errors, setErrors] = useState<FieldErrors>({});
  const { busy, error, run } = useAction();
  const set = <K extends keyof LimitFields>(name: K, value: LimitFields[K]) => setFields((f) => ({ ...f, [name]: value }));
  const unit = BUDGET_UNIT_OF[mode];

  async function submit(event: FormEvent) {
    event.preventDefault();
    const allocated = parseAmount(credits, unit);
    const found: FieldErrors = {
      organization_id: organizationId ? "" : "choose an organization",
      team_id: identifierError(teamId, "Team id") ?? "",
      credits_allocated: "error" in allocated ? allocated.error : "",
      ...checkLimits(fields, mode),
    };
    setErrors(found);
    if (hasErrors(found) || "error" in allocated) return;
    const body: Record<string, unknown> = {
      organization_id: organizationId,
      team_id: teamId.trim(),
      access_groups: fields.accessGroups,
      credits_allocated: allocated.value,
      budget_mode: mode,
      limit_type: fields.limitType,
      warn_threshold_percent: Number(fields.warnThreshold),
      markup_percent: fields.markupPercent.trim(),
    };
    if (fields.teamAlias.trim()) body.team_alias = fields.teamAlias.trim();
    if (fields.defaultAlias) body.default_alias = fields.defaultAlias;
    const ceiling = overageValue(fields, mode);
    if (ceiling !== null) body.overage_ceiling = ceiling;
    if (fields.rpmLimit.trim()) body.rpm_limit = optionalInt(fields.rpmLimit);
    if (fields.tpmLimit.trim()) body.tpm_limit = optionalInt(fields.tpmLimit);
    if (mode === "job_based" && fields.jobPrices.trim()) body.job_type_prices = jobPricesValue(fields);
    const team = await run(() => api.post<TeamCreated>("/api/teams/create", body));
    if (team) onCreated(team);
  }

  return (
    <form className="card form" onSubmit={submit} noValidate aria-label="create team">
      <h2>New team</h2>
      <div className="form-grid">
        <Field label="Organization" name="organization_id" error={errors.organization_id}>
          <select id="organization_id" value={organizationId} onChange={(e) => setOrganizationId(e.target.value)}>
            <option value="">Choose…</option>
            {organizations.map((o) => (
              <option key={o.organization_id} value={o.organization_id}>
                {o.name} ({o.organization_id})
              </option>
            ))}
          </select>
        </Field>
        <Field label="Team id" name="team_id" error={errors.team_id} hint="e.g. acme-corp; cannot change later">
          <input id="team_id" value={teamId} onChange={(e) => setTeamId(e.target.value)} />
        </Field>
        <Field label="Budget mode" name="budget_mode">
          <select id="budget_mode" value={mode} onChange={(e) => setMode(e.target.value as BudgetMode)}>
            {(Object.keys(BUDGET_MODE_LABEL) as BudgetMode[]).map((m) => (
              <option key={m} value={m}>
                {BUDGET_MODE_LABEL[m]}
              </option>
            ))}
          </select>
        </Field>
        <Field label={`Initial balance (${amountInputLabel(unit)})`} name="credits_allocated" error={errors.credits_allocated}>
          <input id="credits_allocated" inputMode="decimal" value={credits} onChange={(e) => setCredits(e.target.value)} />
        </Field>
      </div>
      <LimitInputs fields={fields} set={set} errors={errors} mode={mode} groups={groups} />
      <ErrorMessage error={error} />
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? "Creating…" : "Create team"}
      </button>
    </form>
  );
}

function limitsOf(team: Team): LimitFields {
  return {
    teamAlias: team.team_alias ?? "",
    accessGroups: team.access_groups,
    limitType: team.limit_type,
    warnThreshold: String(team.warn_threshold_percent),
    overageCeiling: team.overage_ceiling === null ? "" : amountToInput(team.overage_ceiling, team.budget_unit),
    markupPercent: plainDecimal(team.markup_percent),
    defaultAlias: team.default_alias ?? "",
    rpmLimit: team.rpm_limit === null ? "" : String(team.rpm_limit),
    tpmLimit: team.tpm_limit === null ? "" : String(team.tpm_limit),
    jobPrices: formatJobPrices(team.job_type_prices),
  };
}

/** PATCH /api/teams/{id} with only the fields that changed. */
export function EditTeamForm({
  team,
  groups,
  onSaved,
  onCancel,
}: {
  team: Team;
  groups: AccessGroup[];
  onSaved: (team: Team) => void;
  onCancel: () => void;
}) {
  const original = limitsOf(team);
  const [fields, setFields] = useState<LimitFields>(original);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [unchanged, setUnchanged] = useState(false);
  const { busy, error, run } = useAction();
  const set = <K extends keyof LimitFields>(name: K, value: LimitFields[K]) => setFields((f) => ({ ...f, [name]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = checkLimits(fields, team.budget_mode);
    setErrors(found);
    if (hasErrors(found)) return;
    const changes: Record<string, unknown> = {};
    if (fields.teamAlias !== original.teamAlias) changes.team_alias = fields.teamAlias.trim() || null;
    if ([...fields.accessGroups].sort().join() !== [...original.accessGroups].sort().join())
      changes.access_groups = fields.accessGroups;
    if (fields.limitType !== original.limitType) changes.limit_type = fields.limitType;
    if (fields.warnThreshold.trim() !== original.warnThreshold) changes.warn_threshold_percent = Number(fields.warnThreshold);
    if (fields.overageCeiling.trim() !== original.overageCeiling) changes.overage_ceiling = overageValue(fields, team.budget_mode);
    if (compareDecimal(fields.markupPercent, original.markupPercent) !== 0) changes.markup_percent = fields.markupPercent.trim();
    if (fields.defaultAlias !== original.defaultAlias) changes.default_alias = fields.defaultAlias || null;
    if (fields.rpmLimit.trim() !== original.rpmLimit) changes.rpm_limit = optionalInt(fields.rpmLimit);
    if (fields.tpmLimit.trim() !== original.tpmLimit) changes.tpm_limit = optionalInt(fields.tpmLimit);
    if (formatJobPrices(jobPricesValue(fields)) !== original.jobPrices) changes.job_type_prices = jobPricesValue(fields);
    if (Object.keys(changes).length === 0) {
      setUnchanged(true);
      return;
    }
    setUnchanged(false);
    const saved = await run(() => api.patch<Team>(`/api/teams/${seg(team.team_id)}`, changes));
    if (saved) onSaved(saved);
  }

  return (
    <form className="card form" onSubmit={submit} noValidate aria-label="edit team">
      <h2>Edit limits and markup</h2>
      <LimitInputs fields={fields} set={set} errors={errors} mode={team.budget_mode} groups={groups} />
      {unchanged ? <small className="muted">Nothing changed.</small> : null}
      <ErrorMessage error={error} />
      <div className="row">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Saving…" : "Save changes"}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
