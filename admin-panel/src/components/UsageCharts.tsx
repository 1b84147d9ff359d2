// The overview's charts over time: calls and jobs, costs and margin, credits used.
"use client";

import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatPeriod } from "@/lib/format";
import { formatMicros } from "@/lib/money";
import type { ChartPoint } from "@/lib/series";
import type { Granularity } from "@/lib/types";

const COLORS = {
  calls: "#2563eb",
  jobs: "#7c3aed",
  provider: "#dc2626",
  client: "#2563eb",
  margin: "#059669",
  credits: "#d97706",
};

const MICROS_FIELD: Record<string, keyof ChartPoint> = {
  provider_usd: "provider_cost_micros",
  client_usd: "client_cost_micros",
  margin_usd: "margin_micros",
};

/** Axis ticks only: small amounts keep two significant digits ($0.000017), larger ones two decimals. */
function usdTick(value: number): string {
  if (value === 0) return "$0";
  return Math.abs(value) < 1 ? `$${Number(value.toPrecision(2))}` : `$${value.toFixed(2)}`;
}

function ChartCard({ title, testId, children }: { title: string; testId: string; children: React.ReactElement }) {
  return (
    <figure className="card chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div className="chart-body">
        <ResponsiveContainer width="100%" height={240}>
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

export function UsageCharts({ points, granularity }: { points: ChartPoint[]; granularity: Granularity }) {
  const tick = (value: string) => formatPeriod(value, granularity);
  const usdTooltip = (value: unknown, name: unknown, item: { dataKey?: unknown; payload?: ChartPoint }) => {
    const field = MICROS_FIELD[String(item.dataKey)];
    const micros = field && item.payload ? Number(item.payload[field]) : Math.round(Number(value) * 1_000_000);
    return [formatMicros(micros), String(name)];
  };
  const animate = false; // deterministic screenshots, and nothing to wait for in tests
  return (
    <div className="chart-grid">
      <ChartCard title="Calls and jobs" testId="chart-activity">
        <BarChart data={points}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="period" tickFormatter={tick} minTickGap={24} fontSize={12} />
          <YAxis allowDecimals={false} fontSize={12} width={40} />
          <Tooltip labelFormatter={(v) => tick(String(v))} />
          <Legend />
          <Bar dataKey="calls" name="Calls" fill={COLORS.calls} isAnimationActive={animate} />
          <Bar dataKey="jobs" name="Jobs" fill={COLORS.jobs} isAnimationActive={animate} />
        </BarChart>
      </ChartCard>
      <ChartCard title="Provider cost, client cost and margin (USD)" testId="chart-cost">
        <LineChart data={points}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="period" tickFormatter={tick} minTickGap={24} fontSize={12} />
          <YAxis fontSize={12} width={80} tickFormatter={usdTick} />
          <Tooltip labelFormatter={(v) => tick(String(v))} formatter={usdTooltip} />
          <Legend />
          <Line dataKey="provider_usd" name="Provider cost" stroke={COLORS.provider} dot={false} isAnimationActive={animate} />
          <Line dataKey="client_usd" name="Client cost" stroke={COLORS.client} dot={false} isAnimationActive={animate} />
          <Line dataKey="margin_usd" name="Margin" stroke={COLORS.margin} dot={false} isAnimationActive={animate} />
        </LineChart>
      </ChartCard>
      <ChartCard title="Credits used" testId="chart-credits">
        <BarChart data={points}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="period" tickFormatter={tick} minTickGap={24} fontSize={12} />
          <YAxis allowDecimals={false} fontSize={12} width={40} />
          <Tooltip labelFormatter={(v) => tick(String(v))} />
          <Bar dataKey="credits_charged" name="Credits charged" fill={COLORS.credits} isAnimationActive={animate} />
        </BarChart>
      </ChartCard>
    </div>
  );
}
