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

export type JobRow = Schemas["AdminJobRow"];
export type JobPage = Schemas["AdminJobPage"];
export type JobCall = Schemas["AdminCallOut"];
export type JobDetail = Schemas["AdminJobDetail"];
