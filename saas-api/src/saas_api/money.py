"""Exact money. Amounts are integer micro-USD (1 USD = 1_000_000); prices are micro-USD per 1M tokens."""

from decimal import ROUND_HALF_UP, Decimal

MICROS_PER_USD = 1_000_000
TOKENS_PER_PRICE_UNIT = 1_000_000


def usd_to_micros(usd: str | Decimal | float) -> int:
    """Convert a USD amount (as the proxy reports it) to integer micros, rounding half up."""
    # str() first: a float's repr is the shortest exact decimal that round-trips.
    return int((Decimal(str(usd)) * MICROS_PER_USD).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def micros_to_usd(micros: int) -> Decimal:
    return Decimal(micros) / MICROS_PER_USD


def token_cost_micros(prompt_tokens: int, completion_tokens: int, input_price: int, output_price: int) -> int:
    """Cost of a call at per-1M-token prices, rounded half up to a whole micro."""
    exact = Decimal(prompt_tokens * input_price + completion_tokens * output_price) / TOKENS_PER_PRICE_UNIT
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def with_markup(micros: int, markup_percent: Decimal) -> int:
    """What the client pays for a provider cost, rounded half up."""
    exact = Decimal(micros) * (Decimal(100) + markup_percent) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
