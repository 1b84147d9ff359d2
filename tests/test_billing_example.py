"""The seed documents' worked example, reproduced from real ledger rows: a document_analysis job of
three calls costing $0.005, $0.008 and $0.010 at the provider ($0.023), charged one credit sold at
$0.10 (margin $0.077); and the same job on a usage budget with a 30 % markup ($0.0299).

The fake provider's token counts are chosen so that LiteLLM's own gpt-4o prices ($2.50 / $10 per 1M
tokens) give exactly those costs: 12 prompt tokens and 497, 797, 997 completion tokens.
The rows are written to test-artifacts/billing-example.md (docs/billing.md shows them)."""

from helpers import ROOT

STEPS = [("extract_text", 497), ("classify_content", 797), ("generate_summary", 997)]


def _run_job(team) -> str:  # type: ignore[no-untyped-def]
    job_id = team.create_job("document_analysis")
    for _purpose, words in STEPS:
        # 20 characters of content -> 12 prompt tokens at the fake provider
        response = team.call(job_id, f"[[fake:words={words}]]ab", model="SmartAgent")
        assert response.status_code == 200, response.text
    return job_id


def test_seed_example_job_costs_0_023_and_is_charged_one_credit(make_team, admin) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=1000)
    job_id = _run_job(team)
    summary = team.complete(job_id).json()
    assert summary["costs"]["credits_applied"] == 1 and summary["costs"]["credits_remaining"] == 999
    detail = admin.get(f"/api/admin/jobs/{job_id}").json()
    assert [c["provider_cost_micros"] for c in detail["calls"]] == [5_000, 8_000, 10_000]
    assert detail["summary"]["provider_cost_micros"] == 23_000
    price_per_credit_micros = 100_000  # you sell one credit for $0.10
    assert price_per_credit_micros * detail["credits_charged"] - detail["summary"]["provider_cost_micros"] == 77_000
    ledger = admin.get(f"/api/teams/{team.team_id}/ledger").json()["entries"]

    markup = make_team(budget_mode="consumption_usd", credits_allocated=1_000_000, markup_percent="30")
    usage_job = _run_job(markup)
    usage_summary = markup.complete(usage_job).json()
    usage_detail = admin.get(f"/api/admin/jobs/{usage_job}").json()
    assert [c["client_cost_micros"] for c in usage_detail["calls"]] == [6_500, 10_400, 13_000]
    assert usage_summary["costs"]["credits_applied"] == 29_900
    usage_ledger = admin.get(f"/api/teams/{markup.team_id}/ledger").json()["entries"]

    lines = ["### Job-based team (1 credit per completed job)", "", _table(ledger), "",
             "### Usage team (consumption_usd, 30 % markup; amounts in micro-USD)", "", _table(usage_ledger)]  # fmt: skip
    out = ROOT / "test-artifacts" / "billing-example.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")


def _table(entries: list[dict]) -> str:  # type: ignore[type-arg]
    rows = ["| id | kind | amount | held_delta | charged | balance_after | reason |", "|---|---|---|---|---|---|---|"]
    for e in reversed(entries):
        rows.append(
            f"| {e['id']} | {e['kind']} | {e['amount']} | {e['held_delta']} | {e['charged']} | {e['balance_after']} | {e['reason'] or ''} |"
        )
    return "\n".join(rows)
