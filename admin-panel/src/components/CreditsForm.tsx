"use client";

import { useState, type FormEvent } from "react";
import { ErrorMessage, Field } from "@/components/ui";
import { api, seg } from "@/lib/api";
import { useAction } from "@/lib/hooks";
import type { Team } from "@/lib/types";
import { amountInputLabel, formatAmount, parseAmount } from "@/lib/units";
import { hasErrors, type FieldErrors } from "@/lib/validate";

/** POST /api/teams/{id}/credits/add, in the team's budget unit (USD typed for micro-USD budgets). */
export function AddCreditsForm({ team, onAdded }: { team: Team; onAdded: (team: Team) => void }) {
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [added, setAdded] = useState<string>();
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = parseAmount(amount, team.budget_unit, { allowZero: false });
    const found: FieldErrors = {
      amount: "error" in parsed ? parsed.error : "",
      reason: reason.length > 500 ? "at most 500 characters" : "",
    };
    setErrors(found);
    setAdded(undefined);
    if (hasErrors(found) || "error" in parsed) return;
    const body: Record<string, unknown> = { amount: parsed.value };
    if (reason.trim()) body.reason = reason.trim();
    const updated = await run(() => api.post<Team>(`/api/teams/${seg(team.team_id)}/credits/add`, body));
    if (updated) {
      setAdded(formatAmount(parsed.value, team.budget_unit));
      setAmount("");
      setReason("");
      onAdded(updated);
    }
  }

  return (
    <form className="card form" onSubmit={submit} noValidate aria-label="add credits">
      <h2>Add credits</h2>
      <div className="form-grid">
        <Field label={`Amount (${amountInputLabel(team.budget_unit)})`} name="amount" error={errors.amount}>
          <input id="amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
        </Field>
        <Field label="Reason (optional)" name="reason" error={errors.reason}>
          <input id="reason" value={reason} placeholder="e.g. monthly top-up" onChange={(e) => setReason(e.target.value)} />
        </Field>
      </div>
      <ErrorMessage error={error} />
      {added ? (
        <p className="success" role="status">
          Added {added}.
        </p>
      ) : null}
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? "Adding…" : "Add credits"}
      </button>
    </form>
  );
}

/** POST /api/teams/{id}/credits/refund: give charged credits back (the allocation stays the same). */
export function RefundCreditsForm({ team, onRefunded }: { team: Team; onRefunded: (team: Team) => void }) {
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [jobId, setJobId] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [refunded, setRefunded] = useState<string>();
  const { busy, error, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = parseAmount(amount, team.budget_unit, { allowZero: false });
    const found: FieldErrors = {
      refund_amount: "error" in parsed ? parsed.error : "",
      refund_reason: !reason.trim() ? "required" : reason.length > 500 ? "at most 500 characters" : "",
    };
    setErrors(found);
    setRefunded(undefined);
    if (hasErrors(found) || "error" in parsed) return;
    const body: Record<string, unknown> = { amount: parsed.value, reason: reason.trim() };
    if (jobId.trim()) body.job_id = jobId.trim();
    const updated = await run(() => api.post<Team>(`/api/teams/${seg(team.team_id)}/credits/refund`, body));
    if (updated) {
      setRefunded(formatAmount(parsed.value, team.budget_unit));
      setAmount("");
      setReason("");
      setJobId("");
      onRefunded(updated);
    }
  }

  return (
    <form className="card form" onSubmit={submit} noValidate aria-label="refund credits">
      <h2>Refund</h2>
      <div className="form-grid">
        <Field label={`Refund (${amountInputLabel(team.budget_unit)})`} name="refund_amount" error={errors.refund_amount}>
          <input id="refund_amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
        </Field>
        <Field label="Refund reason" name="refund_reason" error={errors.refund_reason}>
          <input id="refund_reason" value={reason} placeholder="e.g. customer complaint" onChange={(e) => setReason(e.target.value)} />
        </Field>
        <Field label="Job id (optional)" name="refund_job_id">
          <input id="refund_job_id" value={jobId} onChange={(e) => setJobId(e.target.value)} />
        </Field>
      </div>
      <ErrorMessage error={error} />
      {refunded ? (
        <p className="success" role="status">
          Refunded {refunded}.
        </p>
      ) : null}
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? "Refunding…" : "Refund"}
      </button>
    </form>
  );
}
