"""Encryption at rest for the one secret we must be able to read back: each team's LiteLLM virtual
key, which we forward to the proxy on the team's calls (the team's own API keys are kept as hashes).

Fernet (AES-128-CBC with HMAC-SHA256) under `SAAS_ENCRYPTION_KEY`, a key of its own rather than one
derived from MASTER_KEY: the master key is an operator's login, typed into the admin panel and
rotated when people leave, and rotating it must not make every stored key unreadable; and with a
key of its own, a database dump or backup alone reveals no key that opens the proxy.
"""

import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from .config import get_settings
from .errors import ServiceUnavailable

log = logging.getLogger(__name__)

GENERATE_HINT = "python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"


@lru_cache
def _fernet() -> Fernet:
    configured = get_settings().encryption_key
    if configured is None or not configured.get_secret_value():
        raise RuntimeError(f"SAAS_ENCRYPTION_KEY is not set; generate one with: {GENERATE_HINT}")
    try:
        return Fernet(configured.get_secret_value())
    except ValueError as exc:
        raise RuntimeError(f"SAAS_ENCRYPTION_KEY must be 32 url-safe base64-encoded bytes: {GENERATE_HINT}") from exc


def check_configured() -> None:
    """Raise at startup, with how to fix it, when the encryption key is missing or malformed."""
    _fernet()


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        # Another SAAS_ENCRYPTION_KEY than the one the key was stored with: an operator must fix it.
        log.error("a stored LiteLLM key does not decrypt: SAAS_ENCRYPTION_KEY differs from the one it was stored with")
        raise ServiceUnavailable("the service is misconfigured; retry later", retry_after=30) from exc
