// A team's balance is counted in its budget unit: credits (job-based), micro-USD or tokens.
import { formatMicros, microsToUsdInput, parseUsdToMicros } from "./money";
import type { BudgetMode, BudgetUnit } from "./types";

export const BUDGET_UNIT_OF: Record<BudgetMode, BudgetUnit> = {
  job_based: "credits",
  consumption_usd: "usd_micros",
  consumption_tokens: "tokens",
};

export const BUDGET_MODE_LABEL: Record<BudgetMode, string> = {
  job_based: "Job-based (credits per completed job)",
  consumption_usd: "Consumption, USD",
  consumption_tokens: "Consumption, tokens",
};

const MAX_AMOUNT = BigInt(10) ** BigInt(15);

export function formatInteger(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return value.toLocaleString("en-US");
}

/** An amount in a budget unit, for people: "1,000 credits", "$12.50", "5,000 tokens". */
export function formatAmount(amount: number | null | undefined, unit: BudgetUnit): string {
  if (amount === null || amount === undefined) return "—";
  if (unit === "usd_micros") return formatMicros(amount);
  return `${formatInteger(amount)} ${unit}`;
}

/** An amount without its unit name, for tables whose header names the unit. */
export function formatBareAmount(amount: number | null | undefined, unit: BudgetUnit): string {
  if (amount === null || amount === undefined) return "—";
  return unit === "usd_micros" ? formatMicros(amount) : formatInteger(amount);
}

/** What a person types for an amount in this unit: USD for micro-USD budgets, whole numbers else. */
export function amountInputLabel(unit: BudgetUnit): string {
  return unit === "usd_micros" ? "USD" : unit;
}

export function amountToInput(amount: number, unit: BudgetUnit): string {
  return unit === "usd_micros" ? microsToUsdInput(amount) : String(amount);
}

/** Parse what a person typed into the API's integer amount; an error message when it is not valid. */
export function parseAmount(
  text: string,
  unit: BudgetUnit,
  { allowZero = true }: { allowZero?: boolean } = {},
): { value: number } | { error: string } {
  const trimmed = text.trim();
  let value: bigint | null;
  if (unit === "usd_micros") {
    value = parseUsdToMicros(trimmed);
    if (value === null) return { error: "enter a USD amount such as 25 or 12.50 (at most 6 decimals)" };
  } else {
    if (!/^\d{1,16}$/.test(trimmed)) return { error: `enter a whole number of ${unit}` };
    value = BigInt(trimmed);
  }
  if (!allowZero && value === BigInt(0)) return { error: "must be more than zero" };
  if (value > MAX_AMOUNT) return { error: "too large" };
  return { value: Number(value) };
}
