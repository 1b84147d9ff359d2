"""Write the SaaS API's OpenAPI spec to docs/openapi.json (the live one is served at /openapi.json).

    python scripts/export_openapi.py            # write docs/openapi.json
    python scripts/export_openapi.py --check    # exit 1 if docs/openapi.json is out of date

Building the spec needs no database or proxy: the app factory only reads its settings, so dummy
keys are set when the environment has none.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "docs" / "openapi.json"


def build_spec() -> dict[str, Any]:
    os.environ.setdefault("MASTER_KEY", "sk-admin-openapi-export")
    os.environ.setdefault("LITELLM_MASTER_KEY", "sk-litellm-openapi-export")
    sys.path.insert(0, str(ROOT / "saas-api" / "src"))
    from saas_api.main import create_app

    return create_app().openapi()


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with docs/openapi.json instead of writing it")
    args = parser.parse_args()
    text = render(build_spec())
    if args.check:
        current = SPEC_PATH.read_text() if SPEC_PATH.exists() else ""
        if current != text:
            print(
                f"{SPEC_PATH.relative_to(ROOT)} is out of date; run: python scripts/export_openapi.py", file=sys.stderr
            )
            return 1
        print(f"{SPEC_PATH.relative_to(ROOT)} is up to date")
        return 0
    SPEC_PATH.parent.mkdir(parents=True, exist_ok=True)
    SPEC_PATH.write_text(text)
    print(f"wrote {SPEC_PATH.relative_to(ROOT)}: {len(json.loads(text)['paths'])} paths")
    return 0


if __name__ == "__main__":
    sys.exit(main())
