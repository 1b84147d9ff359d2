// Shapes of the SaaS API's responses, as in saas-api/src/saas_api/{tenancy,analytics,jobs}/schemas.py.
// Money is integer micro-USD (`*_micros`); prices and markups arrive as decimal strings.

export type BudgetMode = "job_based" | "consumption_usd" | "consumption_tokens";
export type BudgetUnit = "credits" | "usd_micros" | "tokens";
export type LimitType = "hard" | "soft";
export type JobStatus = "pending" | "in_progress" | "completed" | "failed";
export type Granularity = "hour" | "day" | "week" | "month";

export interface AdminSession {
  token: string;
  expires_at: string;
}

export interface Organization {
  organization_id: string;
  name: string;
  metadata: Record<string, unknown>;
  created_at: string;
  team_ids: string[];
}

export interface Team {
  team_id: string;
  organization_id: string;
  team_alias: string | null;
  status: "active" | "suspended";
  access_groups: string[];
  budget_mode: BudgetMode;
  budget_unit: BudgetUnit;
  limit_type: LimitType;
  warn_threshold_percent: number;
  overage_ceiling: number | null;
  markup_percent: string;
  default_alias: string | null;
  rpm_limit: number | null;
  tpm_limit: number | null;
  credits_allocated: number;
  credits_remaining: number;
  credits_available: number;
  credits_held: number;
  credits_used: number;
  key_prefix: string;
  metadata: Record<string, unknown>;
  created_at: string;
}

export interface TeamCreated extends Team {
  virtual_key: string;
}

export interface TeamKey {
  key_id: string;
  key_prefix: string;
  created_at: string;
  revoked_at: string | null;
}

export interface TeamKeyCreated extends TeamKey {
  virtual_key: string;
}

export interface LedgerEntry {
  id: number;
  kind: string;
  amount: number;
  held_delta: number;
  charged: number;
  balance_after: number;
  job_id: string | null;
  call_id: string | null;
  hold_id: string | null;
  reason: string | null;
  created_at: string;
}

export interface Ledger {
  team_id: string;
  budget_unit: BudgetUnit;
  credits_allocated: number;
  credits_remaining: number;
  credits_available: number;
  credits_held: number;
  entries: LedgerEntry[];
  next_cursor: number | null;
}

export interface AccessGroup {
  group_name: string;
  description: string | null;
  model_aliases: string[];
  created_at: string;
}

export interface ModelAlias {
  alias: string;
  litellm_model: string;
  input_price_per_million: string;
  output_price_per_million: string;
  markup_percent: string | null;
  cache_enabled: boolean;
  description: string | null;
  access_groups: string[];
}

export interface CostTotals {
  calls: number;
  successful_calls: number;
  failed_calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  provider_cost_micros: number;
  client_cost_micros: number;
  margin_micros: number;
  cache_hits: number;
  avg_latency_ms: number | null;
}

export interface JobCounts {
  total: number;
  pending: number;
  in_progress: number;
  completed: number;
  failed: number;
  credits_charged: number;
}

export interface Breakdown {
  key: string;
  jobs: number;
  costs: CostTotals;
}

export interface UsageReport {
  scope: string;
  scope_id: string | null;
  start: string | null;
  end: string | null;
  jobs: JobCounts;
  costs: CostTotals;
  by_job_type: Breakdown[];
  by_model: Breakdown[];
  by_team: Breakdown[];
}

export interface TimePoint {
  period: string;
  jobs: number;
  calls: number;
  provider_cost_micros: number;
  client_cost_micros: number;
  margin_micros: number;
  credits_charged: number;
}

export interface Overview {
  start: string | null;
  end: string | null;
  granularity: Granularity;
  totals: UsageReport;
  series: TimePoint[];
}

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
