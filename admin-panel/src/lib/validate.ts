// Client-side checks that mirror the API's own (tenancy/schemas.py), so a form fails before sending.

export const IDENTIFIER_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

export type FieldErrors = Record<string, string>;

export function identifierError(value: string, label = "this field"): string | undefined {
  const trimmed = value.trim();
  if (!trimmed) return `${label} is required`;
  if (trimmed.length > 128) return `${label} must be at most 128 characters`;
  if (!IDENTIFIER_RE.test(trimmed))
    return `${label} may contain letters, digits, '_', '.', ':' and '-', and must start with a letter or digit`;
  return undefined;
}

export function requiredError(value: string, label: string, maxLength = 256): string | undefined {
  if (!value.trim()) return `${label} is required`;
  if (value.length > maxLength) return `${label} must be at most ${maxLength} characters`;
  return undefined;
}

/** An optional whole number within [min, max]; undefined when valid (or empty). */
export function optionalIntError(value: string, min: number, max = Number.MAX_SAFE_INTEGER): string | undefined {
  const trimmed = value.trim();
  if (!trimmed) return undefined;
  if (!/^\d+$/.test(trimmed)) return "enter a whole number";
  const n = Number(trimmed);
  if (n < min || n > max) return `must be between ${min} and ${max}`;
  return undefined;
}

export function optionalInt(value: string): number | null {
  const trimmed = value.trim();
  return trimmed ? Number(trimmed) : null;
}

/** A JSON object typed into a textarea; empty means {}. */
export function parseJsonObject(text: string): { value: Record<string, unknown> } | { error: string } {
  if (!text.trim()) return { value: {} };
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      return { error: 'must be a JSON object, e.g. {"plan": "pro"}' };
    }
    return { value: parsed as Record<string, unknown> };
  } catch {
    return { error: "is not valid JSON" };
  }
}

export function hasErrors(errors: FieldErrors): boolean {
  return Object.values(errors).some(Boolean);
}
