"""The seed documents' Quick Start (Step 1 and Step 2), as written, plus the admin header."""

import requests


def test_seed_quick_start(stack) -> None:  # type: ignore[no-untyped-def]
    base = stack.api_url
    admin = {"Content-Type": "application/json", "X-Admin-Key": stack.master_key}
    # The demo data `make up` seeds: aliases and the 'gpt-models' group the Quick Start names.
    import stack as stack_module  # the launcher

    stack_module.seed_demo(base, stack.master_key, stack.log_dir / "quickstart-demo.key")

    # Step 1: Set Up Organization and Team
    org = requests.post(f"{base}/api/organizations/create", headers=admin,
                        json={"organization_id": "org_acme", "name": "ACME Corporation"})  # fmt: skip
    assert org.status_code in (200, 201), org.text
    group = requests.post(f"{base}/api/model-access-groups/create", headers=admin,
                          json={"group_name": "gpt-models", "description": "GPT models"})  # fmt: skip
    assert group.status_code in (200, 201), group.text
    team = requests.post(f"{base}/api/teams/create", headers=admin, json={
        "organization_id": "org_acme", "team_id": "acme-corp", "team_alias": "ACME Corp Team",
        "access_groups": ["gpt-models"], "credits_allocated": 1000,
    })  # fmt: skip
    assert team.status_code == 201, team.text
    assert team.json()["credits_allocated"] == 1000 and team.json()["credits_remaining"] == 1000

    # Step 2: Make Your First API Call
    API = f"{base}/api"
    VIRTUAL_KEY = team.json()["virtual_key"]
    headers = {"Authorization": f"Bearer {VIRTUAL_KEY}", "Content-Type": "application/json"}
    job = requests.post(f"{API}/jobs/create", headers=headers, json={
        "team_id": "acme-corp", "job_type": "test", "metadata": {"test": True}
    }).json()  # fmt: skip
    print(f"Created job: {job['job_id']}")
    response = requests.post(
        f"{API}/jobs/{job['job_id']}/llm-call",
        headers=headers,
        json={"messages": [{"role": "user", "content": "Say hello!"}]},
    ).json()
    print(f"Response: {response['response']['content']}")
    assert response["response"]["content"].startswith("Hello!")
    result = requests.post(f"{API}/jobs/{job['job_id']}/complete", headers=headers, json={"status": "completed"}).json()
    print(f"Credits remaining: {result['costs']['credits_remaining']}")
    assert result["costs"]["credits_remaining"] == 999
