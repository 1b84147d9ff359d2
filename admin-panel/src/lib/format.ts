// Dates and small display helpers.

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** "2026-11-25 14:03" in the viewer's time zone. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A chart tick for a period start at the given granularity. */
export function formatPeriod(iso: string, granularity: string): string {
  const d = new Date(iso);
  if (granularity === "hour") return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:00`;
  if (granularity === "month") return `${d.getFullYear()}-${pad(d.getMonth() + 1)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The value of an <input type="datetime-local"> as an ISO instant, or undefined when empty. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function shortId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}

export function formatLatency(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? "—" : `${ms.toLocaleString("en-US")} ms`;
}
