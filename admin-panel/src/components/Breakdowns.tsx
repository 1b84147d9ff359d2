// Usage broken down by team, model alias or job type: the tables under a usage report.
import Link from "next/link";
import { formatMicros, marginPercent } from "@/lib/money";
import { formatInteger } from "@/lib/units";
import type { Breakdown } from "@/lib/types";

export function BreakdownTable({
  title,
  rows,
  keyLabel,
  linkTeam,
  showJobs = true,
}: {
  title: string;
  rows: Breakdown[];
  keyLabel: string;
  linkTeam?: boolean;
  /** false for model aliases: a job may call several, so jobs are not counted per alias */
  showJobs?: boolean;
}) {
  return (
    <section className="card">
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <div className="state state-empty">No calls in this period.</div>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{keyLabel}</th>
              {showJobs ? <th className="num">Jobs</th> : null}
              <th className="num">Calls</th>
              <th className="num">Provider cost</th>
              <th className="num">Client cost</th>
              <th className="num">Margin</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key}>
                <td>
                  {linkTeam ? <Link href={`/teams/detail/?id=${encodeURIComponent(row.key)}`}>{row.key}</Link> : row.key}
                </td>
                {showJobs ? <td className="num">{formatInteger(row.jobs)}</td> : null}
                <td className="num">{formatInteger(row.costs.calls)}</td>
                <td className="num">{formatMicros(row.costs.provider_cost_micros)}</td>
                <td className="num">{formatMicros(row.costs.client_cost_micros)}</td>
                <td className="num">
                  {formatMicros(row.costs.margin_micros)}{" "}
                  <span className="muted">{marginPercent(row.costs.margin_micros, row.costs.client_cost_micros)}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
