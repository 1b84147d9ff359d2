-- The credit ledger: every balance change, implemented once, as functions in the database.
--
-- The call path's two statements (calls/store.py) and every other caller (jobs, credits, the
-- sweeper; billing/ledger.py) run these same functions, so there is one rule for each change.
-- Each writes the team's balance columns and an immutable `credit_transactions` row together,
-- so `credits_available = sum(amount)` and `credits_held = sum(held_delta)` always hold.
--
-- Statuses and kinds come from the enums in models.py: the placeholders in braces are filled by
-- billing/ledger.py's `ledger_functions_sql()` when a migration installs this file.
-- Lock order, everywhere: job, call, hold, team.

-- A team may set `amount` aside: a hard limit needs the credit; a soft limit may go below zero,
-- down to its overage ceiling if it has one. Refused (no row): unknown or suspended team, or the rule.
-- PostgreSQL re-checks the condition on the locked row, so no two processes spend the last credit.
CREATE OR REPLACE FUNCTION ledger_hold(p_team text, p_amount bigint, p_hold uuid, p_job uuid, p_call uuid)
RETURNS TABLE (allocated bigint, available bigint, held bigint, limit_kind text, warn_percent integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH placed AS (
        UPDATE teams
        SET credits_available = credits_available - p_amount, credits_held = credits_held + p_amount
        WHERE id = p_team AND status = '{team_active}'
          AND ((credits_available >= p_amount AND credits_available > 0)
               OR (limit_type = '{limit_soft}'
                   AND (overage_ceiling IS NULL OR credits_available - p_amount >= -overage_ceiling)))
        RETURNING credits_allocated, credits_available, credits_held, limit_type, warn_threshold_percent
    ), hold AS (
        INSERT INTO credit_holds (id, team_id, job_id, call_id, amount, status)
        SELECT p_hold, p_team, p_job, p_call, p_amount, '{hold_open}' FROM placed
    ), entry AS (
        INSERT INTO credit_transactions (team_id, kind, amount, held_delta, charged, written_off, balance_after,
                                         job_id, call_id, hold_id)
        SELECT p_team, '{entry_hold}', -p_amount, p_amount, 0, 0, credits_available + credits_held, p_job, p_call,
               p_hold
        FROM placed
    )
    SELECT credits_allocated, credits_available, credits_held, CAST(limit_type AS text), warn_threshold_percent
    FROM placed;
END $$;

-- Resolve an open hold, once: settled for a cost of `charge`, or released (nothing charged). The whole
-- cost is charged when the hold rule lets the team pay it (an overrun past the hold comes from what
-- is available: under a hard limit down to zero, under a soft one down to its ceiling); the rest is
-- written off, and recorded as such. No row: the hold was resolved already (a second settle or
-- release changes nothing).
CREATE OR REPLACE FUNCTION ledger_resolve(p_hold uuid, p_status text, p_kind text, p_charge bigint, p_reason text)
RETURNS TABLE (charged bigint, written_off bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    h record;
    t record;
    taken bigint;
BEGIN
    UPDATE credit_holds SET status = p_status, resolved_at = now()
    WHERE id = p_hold AND status = '{hold_open}'
    RETURNING * INTO h;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT * INTO t FROM teams WHERE id = h.team_id FOR UPDATE;
    taken := CASE
        WHEN t.limit_type = '{limit_hard}' THEN LEAST(p_charge, h.amount + GREATEST(t.credits_available, 0))
        WHEN t.overage_ceiling IS NULL THEN p_charge
        ELSE LEAST(p_charge, GREATEST(h.amount + t.credits_available + t.overage_ceiling, 0))
    END;
    UPDATE teams
    SET credits_available = credits_available + h.amount - taken, credits_held = credits_held - h.amount
    WHERE id = h.team_id;
    INSERT INTO credit_transactions (team_id, kind, amount, held_delta, charged, written_off, balance_after, job_id,
                                     call_id, hold_id, reason)
    VALUES (h.team_id, p_kind, h.amount - taken, -h.amount, taken, p_charge - taken,
            t.credits_available + t.credits_held - taken, h.job_id, h.call_id, h.id, p_reason);
    charged := taken;
    written_off := p_charge - taken;
    RETURN NEXT;
END $$;

-- Settle an open hold for a cost of `charge` (see ledger_resolve). No row: resolved already.
CREATE OR REPLACE FUNCTION ledger_settle(p_hold uuid, p_charge bigint, p_reason text)
RETURNS TABLE (charged bigint, written_off bigint)
LANGUAGE sql AS $$
    SELECT * FROM ledger_resolve(p_hold, '{hold_settled}', '{entry_settle}', p_charge, p_reason)
$$;

-- Give an open hold back in full. False: it was resolved already.
CREATE OR REPLACE FUNCTION ledger_release(p_hold uuid, p_reason text)
RETURNS boolean
LANGUAGE sql AS $$
    SELECT EXISTS (SELECT FROM ledger_resolve(p_hold, '{hold_released}', '{entry_release}', 0, p_reason))
$$;

-- Add credits (signed for an adjustment): a grant, top-up or adjustment changes the allocation too; a
-- refund gives back what was charged and does not. No row: unknown team.
CREATE OR REPLACE FUNCTION ledger_credit(p_team text, p_kind text, p_amount bigint, p_reason text, p_job uuid)
RETURNS TABLE (allocated bigint, available bigint, held bigint, limit_kind text, warn_percent integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH changed AS (
        UPDATE teams
        SET credits_available = credits_available + p_amount,
            credits_allocated = credits_allocated + CASE WHEN p_kind = '{entry_refund}' THEN 0 ELSE p_amount END
        WHERE id = p_team
        RETURNING credits_allocated, credits_available, credits_held, limit_type, warn_threshold_percent
    ), entry AS (
        INSERT INTO credit_transactions (team_id, kind, amount, held_delta, charged, written_off, balance_after,
                                         job_id, reason)
        SELECT p_team, p_kind, p_amount, 0, 0, 0, credits_available + credits_held, p_job, p_reason FROM changed
    )
    SELECT credits_allocated, credits_available, credits_held, CAST(limit_type AS text), warn_threshold_percent
    FROM changed;
END $$;
