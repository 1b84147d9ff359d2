// Teams with their balance, budget mode and status; used by the Teams page and an organization's page.
import Link from "next/link";
import { StatusBadge } from "@/components/ui";
import { formatPercent } from "@/lib/money";
import { BUDGET_MODE_LABEL, formatAmount } from "@/lib/units";
import type { Team } from "@/lib/types";

export function TeamsTable({ teams, showOrganization = true }: { teams: Team[]; showOrganization?: boolean }) {
  return (
    <table className="table" data-testid="teams-table">
      <thead>
        <tr>
          <th>Team</th>
          {showOrganization ? <th>Organization</th> : null}
          <th>Status</th>
          <th>Budget mode</th>
          <th>Limit</th>
          <th className="num">Balance</th>
          <th className="num">Held</th>
          <th className="num">Used</th>
          <th className="num">Markup</th>
        </tr>
      </thead>
      <tbody>
        {teams.map((team) => (
          <tr key={team.team_id} data-team-id={team.team_id}>
            <td>
              <Link href={`/teams/detail/?id=${encodeURIComponent(team.team_id)}`}>{team.team_id}</Link>
              {team.team_alias ? <div className="muted small">{team.team_alias}</div> : null}
            </td>
            {showOrganization ? (
              <td>
                <Link href={`/organizations/detail/?id=${encodeURIComponent(team.organization_id)}`}>{team.organization_id}</Link>
              </td>
            ) : null}
            <td>
              <StatusBadge status={team.status} />
            </td>
            <td>{BUDGET_MODE_LABEL[team.budget_mode].split(" (")[0]}</td>
            <td>{team.limit_type}</td>
            <td className="num" data-testid="balance">
              {formatAmount(team.credits_remaining, team.budget_unit)}
              <div className="muted small">of {formatAmount(team.credits_allocated, team.budget_unit)}</div>
            </td>
            <td className="num">{formatAmount(team.credits_held, team.budget_unit)}</td>
            <td className="num">{formatAmount(team.credits_used, team.budget_unit)}</td>
            <td className="num">{formatPercent(team.markup_percent)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
