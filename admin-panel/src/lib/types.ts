// The panel's names for the SaaS API's shapes. They come from api-types.ts, which `make types`
// generates from docs/openapi.json (the server's schemas), so a changed response breaks the build
// here rather than the page at run time. Money is integer micro-USD (`*_micros`); prices and
// markups arrive as decimal strings.
import type { components, paths } from "./api-types";

type Schemas = components["schemas"];

export type BudgetMode = Schemas["BudgetMode"];
/** "credits", "usd_micros" or "tokens"; the spec types it as a plain string. */
export type BudgetUnit = Schemas["TeamOut"]["budget_unit"];
export type LimitType = Schemas["LimitType"];
export type JobStatus = Schemas["JobStatus"];
export type Granularity = NonNullable<
  NonNullable<paths["/api/usage/overview"]["get"]["parameters"]["query"]>["granularity"]
>;

export type AdminSession = Schemas["SessionOut"];
export type Organization = Schemas["OrganizationOut"];
export type Team = Schemas["TeamOut"];
export type TeamCreated = Schemas["TeamCreated"];
export type TeamKey = Schemas["TeamKeyOut"];
export type TeamKeyCreated = Schemas["TeamKeyCreated"];
export type LedgerEntry = Schemas["LedgerEntryOut"];
export type Ledger = Schemas["LedgerOut"];
export type AccessGroup = Schemas["AccessGroupOut"];
export type ModelAlias = Schemas["AliasOut"];
export type CostTotals = Schemas["CostTotals"];
export type JobCounts = Schemas["JobCounts"];
export type Breakdown = Schemas["Breakdown"];
export type UsageReport = Schemas["UsageReport"];
export type TimePoint = Schemas["TimePoint"];
export type Overview = Schemas["Overview"];

// GET /api/admin/jobs and /api/admin/jobs/{job_id} declare no response schema (the spec says only
// "an object"), so these three shapes are still written by hand; they move to the generated file
// once the server gives those routes a response_model.

export interface JobRow {
  job_id: string;
  team_id: string;
  job_type: string;
  status: JobStatus;
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  credits_charged: number;
  total_calls: number | null;
  provider_cost_micros: number | null;
  client_cost_micros: number | null;
}

export interface JobPage {
  items: JobRow[];
  has_more: boolean;
  limit: number;
  offset: number;
}

export interface JobCall {
  call_id: string;
  alias: string | null;
  model_group: string | null;
  resolved_model: string | null;
  status: string;
  stream: boolean;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  provider_cost_micros: number | null;
  client_cost_micros: number | null;
  credits_charged: number | null;
  cost_source: string | null;
  latency_ms: number | null;
  cache_hit: boolean | null;
  finish_reason: string | null;
  parsed_ok: boolean | null;
  error_type: string | null;
  created_at: string;
}

export interface JobDetail extends JobRow {
  error_message: string | null;
  summary: Record<string, number | string | null> | null;
  calls: JobCall[];
}
