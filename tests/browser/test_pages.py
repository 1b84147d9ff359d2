"""Each page on its own: forms that validate before sending, exact money both ways, pagination,
and the empty, error and not-found states."""

import httpx
from panel import screenshot, unique
from playwright.sync_api import Browser, Page, expect


def test_every_page_renders(admin_page: Page, make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team(team_alias="Screenshot Team", markup_percent="20")
    for job_type in ("summarize", "classify", "summarize"):
        job_id = team.create_job(job_type)
        assert team.call(job_id).status_code == 200
        assert team.complete(job_id).status_code == 200
    for path, heading, loaded, name in [
        ("/", "Overview", "totals", "overview"),
        ("/organizations/", "Organizations", "organizations-table", "organizations-list"),
        ("/teams/", "Teams", "teams-table", "teams-list"),
        ("/models/", "Models", "aliases-table", "models"),
        ("/jobs/", "Jobs", "jobs-table", "jobs-list"),
    ]:
        admin_page.goto(path)
        expect(admin_page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(admin_page.get_by_test_id(loaded)).to_be_visible()
        expect(admin_page.get_by_test_id("loading")).to_have_count(0)
        screenshot(admin_page, name)


def test_the_sidebar_links_to_the_litellm_ui(admin_page: Page, stack) -> None:  # type: ignore[no-untyped-def]
    link = admin_page.get_by_role("link", name="LiteLLM UI ↗")
    expect(link).to_have_attribute("href", f"{stack.litellm_url}/ui")
    expect(admin_page.get_by_test_id("api-base")).to_have_text(f"API {stack.api_url}")


def test_an_alias_keeps_exact_prices_and_a_group_can_be_edited(admin_page: Page, admin: httpx.Client) -> None:
    name, group = unique("UiAlias"), unique("ui-group")
    admin_page.goto("/models/")
    # gpt-4o's output price from LiteLLM's cost map arrives as the Decimal "1E+1"
    expect(admin_page.locator('tr[data-alias="SmartAgent"]')).to_contain_text("$10.00")
    admin_page.get_by_role("button", name="New alias").click()
    form = admin_page.get_by_role("form", name="create alias")
    form.get_by_label("Alias").fill(name)
    form.get_by_label("LiteLLM model").fill("gpt-4o")
    form.get_by_label("Input price (USD per 1M tokens)").fill("1.2.3")
    form.get_by_role("button", name="Create alias").click()
    expect(form.get_by_test_id("error-input_price_per_million")).to_be_visible()
    form.get_by_label("Input price (USD per 1M tokens)").fill("2.5")
    form.get_by_label("Output price (USD per 1M tokens)").fill("10.000001")
    form.get_by_label("Markup (%)").fill("30")
    form.get_by_role("button", name="Create alias").click()
    row = admin_page.locator(f'tr[data-alias="{name}"]')
    expect(row).to_contain_text("$10.000001")
    created = admin.get(f"/api/model-aliases/{name}").json()
    assert (created["input_price_per_million"], created["output_price_per_million"]) == ("2.5", "10.000001")
    assert created["markup_percent"] == "30.00"

    row.get_by_role("button", name="Edit").click()
    edit = admin_page.get_by_role("form", name="edit alias")
    edit.get_by_label("Output price (USD per 1M tokens)").fill("12.5")
    edit.get_by_role("button", name="Save alias").click()
    expect(row).to_contain_text("$12.50")
    assert admin.get(f"/api/model-aliases/{name}").json()["output_price_per_million"] == "12.5"

    admin_page.get_by_role("button", name="New access group").click()
    new_group = admin_page.get_by_role("form", name="create group")
    new_group.get_by_label("Group name").fill(group)
    new_group.get_by_label("Description").fill("made in the browser")
    new_group.locator(f'input[name="model_aliases"][value="{name}"]').check()
    new_group.get_by_role("button", name="Create group").click()
    group_row = admin_page.locator(f'tr[data-group="{group}"]')
    expect(group_row).to_contain_text(name)
    expect(row).to_contain_text(group)
    screenshot(admin_page, "models-edited")

    group_row.get_by_role("button", name="Edit").click()
    edit_group = admin_page.get_by_role("form", name="edit group")
    edit_group.locator(f'input[name="model_aliases"][value="{name}"]').uncheck()
    edit_group.get_by_role("button", name="Save group").click()
    expect(group_row).to_contain_text("none")
    assert admin.get(f"/api/model-access-groups/{group}").json()["model_aliases"] == []


def test_team_limits_and_markup_are_edited_in_place(admin_page: Page, make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    admin_page.goto(f"/teams/detail/?id={team.team_id}")
    admin_page.get_by_role("button", name="Edit limits").click()
    form = admin_page.get_by_role("form", name="edit team")
    form.get_by_label("Warn at (% used)").fill("0")
    form.get_by_role("button", name="Save changes").click()
    expect(form.get_by_test_id("error-warn_threshold_percent")).to_contain_text("between 1 and 100")
    form.get_by_label("Warn at (% used)").fill("90")
    form.get_by_label("Limit type").select_option("soft")
    form.get_by_label("Overage ceiling (credits, soft limits)").fill("3")
    form.get_by_label("Markup (%)").fill("12.5")
    form.get_by_label("Requests per minute").fill("120")
    form.get_by_role("button", name="Save changes").click()
    expect(admin_page.get_by_role("status")).to_contain_text("Limits saved")
    expect(admin_page.get_by_test_id("markup")).to_have_text("12.5%")
    saved = admin.get(f"/api/teams/{team.team_id}").json()
    assert saved["markup_percent"] == "12.50"
    assert (saved["limit_type"], saved["overage_ceiling"], saved["rpm_limit"]) == ("soft", 3, 120)
    assert saved["warn_threshold_percent"] == 90


def test_usd_budgets_are_entered_and_shown_in_exact_dollars(admin_page: Page, make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team(budget_mode="consumption_usd", credits_allocated=5_000_000)
    admin_page.goto(f"/teams/detail/?id={team.team_id}")
    expect(admin_page.get_by_test_id("credits-remaining")).to_contain_text("$5.00")
    form = admin_page.get_by_role("form", name="add credits")
    form.get_by_label("Amount (USD)").fill("0.1234567")
    form.get_by_role("button", name="Add credits").click()
    expect(form.get_by_test_id("error-amount")).to_contain_text("at most 6 decimals")
    for amount in ("0.1", "0.2"):  # 0.1 + 0.2 is 0.3 here, not 0.30000000000000004
        form.get_by_label("Amount (USD)").fill(amount)
        form.get_by_role("button", name="Add credits").click()
        expect(form.get_by_role("status")).to_contain_text(f"Added ${amount}0")
    expect(admin_page.get_by_test_id("credits-remaining")).to_contain_text("$5.30")
    assert admin.get(f"/api/teams/{team.team_id}").json()["credits_remaining"] == 5_300_000


def test_the_jobs_table_pages_and_filters(admin_page: Page, make_team) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    for _ in range(27):
        assert team.complete(team.create_job("paging"), status="failed").status_code == 200
    admin_page.goto(f"/jobs/?team_id={team.team_id}")
    rows = admin_page.get_by_test_id("jobs-table").locator("tbody tr")
    expect(rows).to_have_count(25)
    pager = admin_page.get_by_role("navigation", name="job pages")
    expect(pager.get_by_role("button", name="← Previous")).to_be_disabled()
    pager.get_by_role("button", name="Next →").click()
    expect(rows).to_have_count(2)
    expect(pager).to_contain_text("Page 2")
    expect(pager.get_by_role("button", name="Next →")).to_be_disabled()

    admin_page.get_by_label("Status").select_option("completed")
    admin_page.get_by_role("button", name="Search").click()
    expect(admin_page.get_by_test_id("empty")).to_have_text("No jobs match these filters.")


def test_the_ledger_loads_older_entries(admin_page: Page, make_team, admin: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    for n in range(25):
        assert admin.post(f"/api/teams/{team.team_id}/credits/add", json={"amount": 1, "reason": f"r{n}"}).is_success
    admin_page.goto(f"/teams/detail/?id={team.team_id}")
    rows = admin_page.get_by_test_id("ledger-table").locator("tbody tr")
    expect(rows).to_have_count(25)
    admin_page.get_by_role("button", name="Load older").click()
    expect(rows).to_have_count(26)
    expect(rows.last).to_contain_text("initial allocation")
    expect(admin_page.get_by_role("button", name="Load older")).to_have_count(0)


def test_unknown_records_and_empty_searches_say_so(admin_page: Page) -> None:
    admin_page.goto("/jobs/detail/?id=00000000-0000-0000-0000-000000000000")
    expect(admin_page.get_by_test_id("load-error")).to_contain_text("not found")
    admin_page.goto("/teams/detail/?id=no-such-team")
    expect(admin_page.get_by_test_id("load-error").first).to_contain_text("team 'no-such-team' not found")
    admin_page.goto("/teams/")
    admin_page.get_by_label("search teams").fill("zzz-nothing-matches")
    expect(admin_page.get_by_test_id("empty")).to_have_text("No team matches these filters.")


def test_the_api_can_be_chosen_by_link_but_only_on_this_host(browser: Browser, panel_url: str, stack) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=panel_url)
    try:
        page = context.new_page()
        page.goto("/login/?api=https://api.example.com")  # another host: ignored
        expect(page.get_by_test_id("api-base")).to_have_text(f"API: {stack.api_url}")
        page.goto("/login/?api=http://127.0.0.1:9")  # loopback: accepted, and nothing listens there
        expect(page.get_by_test_id("api-base")).to_contain_text("http://127.0.0.1:9 (set by the ?api= link")
        page.get_by_label("Master key").fill(stack.master_key)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_test_id("error")).to_contain_text("Cannot reach the SaaS API at http://127.0.0.1:9")
    finally:
        context.close()


def test_a_team_key_is_rotated_new_key_shown_once_old_key_revoked(admin_page: Page, make_team, stack) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    admin_page.goto(f"/teams/detail/?id={team.team_id}")
    keys = admin_page.get_by_test_id("keys-table")
    expect(keys.locator("tbody tr")).to_have_count(1)
    admin_page.get_by_role("button", name="New key").click()
    new_key = admin_page.get_by_test_id("virtual-key").inner_text()
    expect(keys.locator("tbody tr")).to_have_count(2)
    old_row = keys.locator("tbody tr", has_text=team.key[:12])  # a key prefix: "sk-saas-" and 4 more
    old_row.get_by_role("button", name="Revoke").click()
    old_row.get_by_role("button", name="Yes, revoke").click()
    expect(old_row).to_contain_text("revoked")
    screenshot(admin_page, "team-keys")
    with httpx.Client(base_url=stack.api_url, timeout=30) as client:
        assert client.get("/api/jobs", headers={"Authorization": f"Bearer {new_key}"}).status_code == 200
        assert client.get("/api/jobs", headers={"Authorization": f"Bearer {team.key}"}).status_code == 401
