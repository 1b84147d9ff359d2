// The headline numbers of a usage report.
import { Stat } from "@/components/ui";
import { formatLatency } from "@/lib/format";
import { formatMicros, marginPercent } from "@/lib/money";
import { formatAmount, formatInteger } from "@/lib/units";
import type { BudgetUnit, UsageReport } from "@/lib/types";

/** Credits charged per budget unit ("12 credits · $0.40"): units are never added together. */
function perUnit(sums: Record<string, number>): string {
  const parts = Object.entries(sums).map(([unit, amount]) => formatAmount(amount, unit as BudgetUnit));
  return parts.length ? parts.join(" · ") : "0";
}

export function UsageTotals({ report }: { report: UsageReport }) {
  const { jobs, costs } = report;
  return (
    <div className="stats" data-testid="totals">
      <Stat
        testId="total-jobs"
        label="Jobs"
        value={formatInteger(jobs.total)}
        detail={`${formatInteger(jobs.completed)} completed · ${formatInteger(jobs.failed)} failed · ${formatInteger(jobs.pending + jobs.in_progress)} open`}
      />
      <Stat
        testId="total-calls"
        label="Calls"
        value={formatInteger(costs.calls)}
        detail={`${formatInteger(costs.failed_calls)} failed · ${formatInteger(costs.cache_hits)} cache hits`}
      />
      <Stat testId="total-provider-cost" label="Provider cost" value={formatMicros(costs.provider_cost_micros)} />
      <Stat testId="total-client-cost" label="Client cost" value={formatMicros(costs.client_cost_micros)} />
      <Stat
        testId="total-margin"
        label="Margin"
        value={formatMicros(costs.margin_micros)}
        detail={marginPercent(costs.margin_micros, costs.client_cost_micros)}
      />
      <Stat testId="total-credits" label="Credits used" value={perUnit(jobs.credits_charged_by_unit)} detail="per budget unit" />
      <Stat
        label="Tokens"
        value={formatInteger(costs.prompt_tokens + costs.completion_tokens)}
        detail={`${formatInteger(costs.prompt_tokens)} in · ${formatInteger(costs.completion_tokens)} out`}
      />
      <Stat label="Average latency" value={formatLatency(costs.avg_latency_ms)} />
    </div>
  );
}
