// Turn the API's time series (periods with data only) into an even axis for the charts.
import { microsToChartUsd } from "./money";
import type { Granularity, TimePoint } from "./types";

const MAX_BUCKETS = 750;

function truncateUtc(date: Date, granularity: Granularity): Date {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), date.getUTCHours()));
  if (granularity === "hour") return d;
  d.setUTCHours(0);
  if (granularity === "week") d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7)); // Monday, like date_trunc
  if (granularity === "month") d.setUTCDate(1);
  return d;
}

function step(date: Date, granularity: Granularity): Date {
  const d = new Date(date);
  if (granularity === "hour") d.setUTCHours(d.getUTCHours() + 1);
  else if (granularity === "day") d.setUTCDate(d.getUTCDate() + 1);
  else if (granularity === "week") d.setUTCDate(d.getUTCDate() + 7);
  else d.setUTCMonth(d.getUTCMonth() + 1);
  return d;
}

function emptyPoint(period: string): TimePoint {
  return { period, jobs: 0, calls: 0, provider_cost_micros: 0, client_cost_micros: 0, margin_micros: 0, credits_charged: 0, credits_charged_by_unit: {} };
}

/**
 * Periods with no activity as zeros, from `start` (or the first point) to `end` (or now).
 * When the API's buckets do not line up with UTC ones (a database in another time zone),
 * the series is returned as it came rather than guessed at.
 */
export function fillSeries(series: TimePoint[], granularity: Granularity, start?: string, end?: string): TimePoint[] {
  if (series.length === 0 && !start) return series;
  const first = start ? new Date(start) : new Date(series[0].period);
  const last = end ? new Date(end) : new Date();
  const byTime = new Map(series.map((p) => [new Date(p.period).getTime(), p]));
  const filled: TimePoint[] = [];
  for (let t = truncateUtc(first, granularity); t < last && filled.length < MAX_BUCKETS; t = step(t, granularity)) {
    filled.push(byTime.get(t.getTime()) ?? emptyPoint(t.toISOString()));
  }
  const aligned = series.every((p) => filled.includes(p));
  return aligned && filled.length < MAX_BUCKETS ? filled : series;
}

export interface ChartPoint extends TimePoint {
  provider_usd: number;
  client_usd: number;
  margin_usd: number;
}

export function toChartPoints(series: TimePoint[]): ChartPoint[] {
  return series.map((p) => ({
    ...p,
    provider_usd: microsToChartUsd(p.provider_cost_micros),
    client_usd: microsToChartUsd(p.client_cost_micros),
    margin_usd: microsToChartUsd(p.margin_micros),
  }));
}
