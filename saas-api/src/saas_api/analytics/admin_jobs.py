"""The admin job browser: jobs across every team with what they cost, and a job with all its calls."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..jobs.service import job_out
from ..models import Job, JobCostSummary, LLMCall
from . import schemas
from .service import UsageFilter


def list_jobs(
    session: Session, where: UsageFilter, status: str | None, limit: int, offset: int
) -> schemas.AdminJobPage:
    """A page of jobs, newest first, with their cost summaries (none while a job is open)."""
    query = where.jobs(select(Job, JobCostSummary).outerjoin(JobCostSummary, JobCostSummary.job_id == Job.id))
    if status:
        query = query.where(Job.status == status)
    rows = session.execute(query.order_by(Job.created_at.desc(), Job.id).limit(limit + 1).offset(offset)).all()
    items = [
        schemas.AdminJobRow(
            **job_out(job).model_dump(),
            credits_charged=job.credits_charged,
            total_calls=summary.total_calls if summary else None,
            provider_cost_micros=summary.provider_cost_micros if summary else None,
            client_cost_micros=summary.client_cost_micros if summary else None,
        )
        for job, summary in rows[:limit]
    ]
    return schemas.AdminJobPage(items=items, has_more=len(rows) > limit, limit=limit, offset=offset)


def get_job(session: Session, job_id: uuid.UUID) -> schemas.AdminJobDetail:
    """A job of any team with its cost summary and every call, oldest first."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"job '{job_id}' not found")
    calls = session.execute(select(LLMCall).where(LLMCall.job_id == job_id).order_by(LLMCall.created_at)).scalars()
    summary = session.get(JobCostSummary, job_id)
    return schemas.AdminJobDetail(
        **job_out(job).model_dump(),
        credits_charged=job.credits_charged,
        summary=schemas.AdminJobCosts.model_validate(summary) if summary else None,
        calls=[schemas.AdminCallOut.model_validate(call) for call in calls],
    )
