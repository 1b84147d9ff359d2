"""Write the typed client's blocking twin (sync_client.py) from the async one (client.py) with unasync.

    python scripts/gen_sync_client.py            # rewrite clients/python/src/saas_litellm_client/sync_client.py
    python scripts/gen_sync_client.py --check    # exit 1 if sync_client.py is out of date

Edit client.py and run this (`make client`); sync_client.py is never edited by hand. unasync drops
`async`/`await` and renames the async dunders and `typing` names token by token; RENAMES adds the
names it does not know (ours, httpx's, anyio's), and docstrings get the same words changed.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import tokenize_rt
import unasync

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "clients" / "python" / "src" / "saas_litellm_client"
ASYNC_PATH = PACKAGE / "client.py"
SYNC_PATH = PACKAGE / "sync_client.py"

RENAMES = {
    "SaasLiteLLMClient": "SaasLiteLLMSyncClient",
    "AsyncLLMStream": "LLMStream",
    "AsyncStructuredStream": "StructuredStream",
    "AsyncClient": "Client",  # httpx; unasync's own rule would make it "SyncClient"
    "aclose": "close",
    "aread": "read",
    "aiter_lines": "iter_lines",
    "anyio": "time",  # client.py uses anyio only for anyio.sleep
}
# Docstrings are strings to unasync; these are the words in them that change with the I/O.
DOC_WORDS = {r"\basync (for|with)\b": r"\1", r"\bawait ": "", r"\bAsync client\b": "Blocking client"}
_DOC_NAMES = re.compile(r"\b(" + "|".join(map(re.escape, RENAMES)) + r")\b")

HEADER = "# Generated from client.py by scripts/gen_sync_client.py (make client): edit client.py, not this file.\n"
MODULE_DOCSTRING = '''"""The blocking twin of `SaasLiteLLMClient`, for scripts and code without an event loop.

Same methods, same requests, retries and errors (they are built in `_api`, `_retry` and `_sse`);
only the I/O differs.
"""'''


def unasync_source(source: str) -> str:
    """client.py through unasync (which works on files laid out as …/_async/ → …/_sync/)."""
    with tempfile.TemporaryDirectory() as tmp:
        async_file = Path(tmp, "_async", "client.py")
        async_file.parent.mkdir()
        async_file.write_text(source)
        rule = unasync.Rule("/_async/", "/_sync/", additional_replacements=RENAMES)
        unasync.unasync_files([str(async_file)], [rule])
        return Path(tmp, "_sync", "client.py").read_text()


def sync_docstrings(source: str) -> str:
    """The module docstring replaced, and the async words in the other strings made blocking."""
    tokens = tokenize_rt.src_to_tokens(source)
    seen_module_docstring = False
    for index, token in enumerate(tokens):
        if token.name != "STRING":
            continue
        if not seen_module_docstring:
            tokens[index] = token._replace(src=MODULE_DOCSTRING)
            seen_module_docstring = True
            continue
        text = token.src
        for async_words, sync_words in DOC_WORDS.items():
            text = re.sub(async_words, sync_words, text)
        tokens[index] = token._replace(src=_DOC_NAMES.sub(lambda match: RENAMES[match.group(1)], text))
    return tokenize_rt.tokens_to_src(tokens)


def ruff(args: list[str], source: str) -> str:
    """Run ruff on the source as if it were sync_client.py (the repository's settings apply)."""
    command = [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(SYNC_PATH), "-"]
    return subprocess.run(command, input=source, capture_output=True, text=True, check=True, cwd=ROOT).stdout


def build_sync_client() -> str:
    source = HEADER + sync_docstrings(unasync_source(ASYNC_PATH.read_text()))
    # Renamed imports move between isort sections (anyio → time), and renamed names change lengths.
    source = ruff(["check", "--fix", "--select", "I", "--quiet"], source)
    return ruff(["format", "--quiet"], source)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with sync_client.py instead of writing it")
    args = parser.parse_args()
    text = build_sync_client()
    relative = SYNC_PATH.relative_to(ROOT)
    if args.check:
        if not SYNC_PATH.exists() or SYNC_PATH.read_text() != text:
            print(f"{relative} is out of date with client.py; run: make client", file=sys.stderr)
            return 1
        print(f"{relative} is up to date")
        return 0
    SYNC_PATH.write_text(text)
    print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
