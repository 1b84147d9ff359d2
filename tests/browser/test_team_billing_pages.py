"""The team page shows and edits what a team is billed: prices per job type, key labels, refunds,
and usage totals per budget unit."""

import httpx
from playwright.sync_api import Page, expect


def test_job_type_prices_are_edited_and_shown(admin_page: Page, make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team(job_type_prices={"chat_session": 1})
    admin_page.goto(f"/teams/detail/?id={team.team_id}")
    expect(admin_page.get_by_test_id("job-type-prices")).to_contain_text("chat_session=1")
    admin_page.get_by_role("button", name="Edit limits").click()
    form = admin_page.get_by_role("form", name="edit team")
    form.get_by_label("Credits per job type").fill("document_analysis=-5")
    form.get_by_role("button", name="Save changes").click()
    expect(form.get_by_test_id("error-job_type_prices")).to_contain_text("job_type=credits")
    form.get_by_label("Credits per job type").fill("document_analysis=5, chat_session=1, ping=0")
    form.get_by_role("button", name="Save changes").click()
    expect(admin_page.get_by_role("status")).to_contain_text("Limits saved")
    expect(admin_page.get_by_test_id("job-type-prices")).to_contain_text("document_analysis=5")
    saved = admin.get(f"/api/teams/{team.team_id}").json()["job_type_prices"]
    assert saved == {"document_analysis": 5, "chat_session": 1, "ping": 0}


def test_keys_are_minted_with_a_label_shown_in_the_list(admin_page: Page, make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    admin_page.goto(f"/teams/detail/?id={team.team_id}")
    admin_page.get_by_label("Key label").fill("staging")
    admin_page.get_by_role("button", name="New key").click()
    admin_page.get_by_role("button", name="I have stored the key").click()
    expect(admin_page.get_by_test_id("keys-table")).to_contain_text("staging")


def test_an_admin_refunds_credits_from_the_team_page(admin_page: Page, make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=10, job_type_prices={"report": 4})
    job_id = team.create_job("report")
    team.complete(job_id)
    admin_page.goto(f"/teams/detail/?id={team.team_id}")
    form = admin_page.get_by_role("form", name="refund credits")
    form.get_by_label("Refund (credits)").fill("4")
    form.get_by_role("button", name="Refund").click()
    expect(form.get_by_test_id("error-refund_reason")).to_contain_text("required")
    form.get_by_label("Refund reason").fill("customer complaint")
    form.get_by_label("Job id (optional)").fill(job_id)
    form.get_by_role("button", name="Refund").click()
    expect(form.get_by_role("status")).to_contain_text("Refunded 4 credits")
    expect(admin_page.get_by_test_id("credits-remaining")).to_contain_text("10 credits")
    body = admin.get(f"/api/teams/{team.team_id}/ledger").json()
    assert (body["entries"][0]["kind"], body["entries"][0]["job_id"]) == ("refund", job_id)


def test_usage_totals_show_credits_per_unit(admin_page: Page, make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(credits_allocated=10, job_type_prices={"report": 3})
    team.complete(team.create_job("report"))
    admin_page.goto(f"/teams/detail/?id={team.team_id}")
    expect(admin_page.get_by_test_id("total-credits")).to_contain_text("3 credits")
