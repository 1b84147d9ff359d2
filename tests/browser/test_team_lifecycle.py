"""The admin's whole path through the panel: an organization, a team and its key, credits, a job run
with that key, the job in the table and the charts, then suspension refusing the team's calls."""

import re

import httpx
from panel import at, screenshot, unique
from playwright.sync_api import Page, expect


def api_calls(page: Page, path: str) -> list[str]:
    """Record the panel's requests to an API path (to prove a form did not send)."""
    seen: list[str] = []
    page.on(
        "request", lambda request: seen.append(request.method) if request.url.split("?")[0].endswith(path) else None
    )
    return seen


def create_organization(page: Page, org_id: str) -> None:
    page.goto("/organizations/")
    page.get_by_role("button", name="New organization").click()
    sent = api_calls(page, "/api/organizations/create")
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_test_id("error-organization_id")).to_contain_text("required")
    expect(page.get_by_test_id("error-name")).to_contain_text("required")
    page.get_by_label("Metadata (JSON, optional)").fill("{not json")
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_test_id("error-metadata")).to_contain_text("not valid JSON")
    assert sent == [], "an invalid form must not be sent"

    page.get_by_label("Organization id").fill(org_id)
    page.get_by_label("Name", exact=True).fill("Browser Test Org")
    page.get_by_label("Metadata (JSON, optional)").fill('{"plan": "pro"}')
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("status")).to_contain_text(f"Organization {org_id} created")
    expect(page.get_by_test_id("organizations-table")).to_contain_text(org_id)
    screenshot(page, "organizations")

    # The API's own refusal is shown as it says it: same id, another name.
    page.get_by_role("button", name="New organization").click()
    page.get_by_label("Organization id").fill(org_id)
    page.get_by_label("Name", exact=True).fill("Another Name")
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_test_id("error")).to_contain_text(f"organization '{org_id}' already exists")


def create_team(page: Page, org_id: str, team_id: str) -> str:
    """Create the team in the form; return the virtual key read from the clipboard."""
    page.goto(f"/teams/?organization_id={org_id}&new=1")
    form = page.get_by_role("form", name="create team")
    expect(form.get_by_label("Organization", exact=True)).to_have_value(org_id)
    form.get_by_label("Team id").fill("not a valid id!")
    form.get_by_label("Markup (%)").fill("1.234")
    form.get_by_role("button", name="Create team").click()
    expect(form.get_by_test_id("error-team_id")).to_be_visible()
    expect(form.get_by_test_id("error-markup_percent")).to_contain_text("at most 2 decimals")

    form.get_by_label("Team id").fill(team_id)
    form.get_by_label("Team alias (display name)").fill("Browser Team")
    form.locator('input[name="access_groups"][value="all-models"]').check()
    form.get_by_label("Default model alias").select_option("ChatAgent")
    form.get_by_label("Initial balance (credits)").fill("10")
    form.get_by_label("Markup (%)").fill("25")
    form.get_by_role("button", name="Create team").click()

    reveal = page.get_by_test_id("key-reveal")
    expect(reveal).to_contain_text("shown only this once")
    shown = page.get_by_test_id("virtual-key").inner_text()
    assert shown.startswith("sk-")
    reveal.get_by_role("button", name="Copy key").click()
    expect(reveal.get_by_role("button", name="Copied ✓")).to_be_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == shown
    screenshot(page, "team-created-key")
    reveal.get_by_role("button", name="I have stored the key").click()
    expect(page.get_by_test_id("virtual-key")).to_have_count(0)
    expect(page.get_by_test_id("teams-table")).to_contain_text(team_id)
    return str(copied)


def add_credits(page: Page, team_id: str) -> None:
    page.goto(f"/teams/detail/?id={team_id}")
    expect(page.get_by_test_id("credits-remaining")).to_contain_text("10 credits")
    form = page.get_by_role("form", name="add credits")
    form.get_by_label("Amount (credits)").fill("0")
    form.get_by_role("button", name="Add credits").click()
    expect(form.get_by_test_id("error-amount")).to_contain_text("more than zero")
    form.get_by_label("Amount (credits)").fill("5")
    form.get_by_label("Reason (optional)").fill("top-up from the browser test")
    form.get_by_role("button", name="Add credits").click()
    expect(page.get_by_test_id("credits-remaining")).to_contain_text("15 credits")
    expect(page.locator('[data-testid="ledger-table"] tr[data-kind="topup"]')).to_contain_text(
        "top-up from the browser test"
    )


def run_jobs(api_url: str, key: str) -> list[str]:
    """Two jobs through the Job API with the team's key, as a client of the SaaS would."""
    with httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as team:
        one = team.post(
            "/api/jobs/create-and-call",
            json={"job_type": "browser_summary", "messages": [{"role": "user", "content": "Say hello!"}]},
        )
        assert one.status_code == 200, one.text
        job_id = team.post("/api/jobs/create", json={"job_type": "browser_analysis"}).json()["job_id"]
        call = team.post(f"/api/jobs/{job_id}/llm-call", json={"messages": [{"role": "user", "content": "Hi"}]})
        assert call.status_code == 200, call.text
        assert team.post(f"/api/jobs/{job_id}/complete", json={"status": "completed"}).status_code == 200
        return [str(one.json()["job_id"]), str(job_id)]


def see_jobs(page: Page, team_id: str, job_ids: list[str]) -> None:
    page.goto(f"/jobs/?team_id={team_id}")
    table = page.get_by_test_id("jobs-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    for job_id in job_ids:
        expect(table.locator(f'tr[data-job-id="{job_id}"]')).to_contain_text("completed")
    screenshot(page, "jobs")
    table.locator(f'tr[data-job-id="{job_ids[0]}"] a').first.click()
    expect(page).to_have_url(at(f"/jobs/detail/?id={job_ids[0]}"))
    calls = page.get_by_test_id("calls-table")
    expect(calls).to_contain_text("ChatAgent")
    expect(calls).to_contain_text("success")
    expect(page.get_by_test_id("job-facts")).to_contain_text("browser_summary")
    screenshot(page, "job-detail")


def see_overview(page: Page, org_id: str, team_id: str) -> None:
    page.goto(f"/?team_id={team_id}")
    expect(page.get_by_test_id("total-jobs").locator(".stat-value")).to_have_text("2")
    expect(page.get_by_test_id("total-calls").locator(".stat-value")).to_have_text("2")
    expect(page.get_by_test_id("total-client-cost").locator(".stat-value")).to_have_text(re.compile(r"^\$0\.\d+$"))
    # recharts drew a bar for today's calls and jobs, and a line for the costs
    expect(page.get_by_test_id("chart-activity").locator(".recharts-bar-rectangle").first).to_be_visible()
    expect(page.get_by_test_id("chart-cost").locator(".recharts-line").first).to_be_attached()
    screenshot(page, "overview-team")

    page.goto(f"/organizations/detail/?id={org_id}")
    expect(page.get_by_test_id("teams-table")).to_contain_text(team_id)
    expect(page.get_by_test_id("total-jobs").locator(".stat-value")).to_have_text("2")
    screenshot(page, "organization-detail")


def suspend_and_resume(page: Page, api_url: str, team_id: str, key: str) -> None:
    page.goto(f"/teams/detail/?id={team_id}")
    page.get_by_role("button", name="Suspend team").click()
    page.get_by_role("button", name="Yes, suspend").click()
    expect(page.get_by_role("status")).to_contain_text("Team suspended")
    expect(page.get_by_test_id("team-facts")).to_contain_text("suspended")
    screenshot(page, "team-detail-suspended")
    body = {"job_type": "browser_summary", "messages": [{"role": "user", "content": "Say hello!"}]}
    with httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as team:
        refused = team.post("/api/jobs/create-and-call", json=body)
        assert refused.status_code == 403
        assert refused.json()["error"]["type"] == "team_suspended"

        page.goto("/teams/")
        expect(page.locator(f'tr[data-team-id="{team_id}"]')).to_contain_text("suspended")
        screenshot(page, "teams")

        page.goto(f"/teams/detail/?id={team_id}")
        page.get_by_role("button", name="Resume team").click()
        page.get_by_role("button", name="Yes, resume").click()
        expect(page.get_by_role("status")).to_contain_text("Team resumed")
        assert team.post("/api/jobs/create-and-call", json=body).status_code == 200


def test_admin_creates_a_team_funds_it_sees_its_jobs_and_suspends_it(admin_page: Page, stack) -> None:  # type: ignore[no-untyped-def]
    org_id, team_id = unique("org-ui"), unique("team-ui")
    create_organization(admin_page, org_id)
    key = create_team(admin_page, org_id, team_id)
    add_credits(admin_page, team_id)
    job_ids = run_jobs(stack.api_url, key)
    see_jobs(admin_page, team_id, job_ids)
    see_overview(admin_page, org_id, team_id)
    suspend_and_resume(admin_page, stack.api_url, team_id, key)
