"""Job API embeddings (team key): `POST /api/jobs/{job_id}/embeddings`, a call in a job like
`llm-call`, billed per call by its prompt tokens."""

import uuid

from fastapi import APIRouter, Request, Response

from ..auth import CurrentTeam
from ..calls import embeddings
from ..concurrency import CallSlot
from ..litellm_proxy import proxy_of
from .router import warning_headers

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


@router.post("/{job_id}/embeddings", response_model=embeddings.EmbeddingList, dependencies=[CallSlot])
async def job_embeddings(
    job_id: uuid.UUID, data: embeddings.EmbeddingParams, team: CurrentTeam, request: Request, response: Response
) -> embeddings.EmbeddingList:
    """Embed texts within a job (`model`: an embedding alias)."""
    ticket = await embeddings.admit(team.team_id, job_id, data)
    result = await embeddings.embed(proxy_of(request), team.virtual_key, ticket, data)
    response.headers.update(warning_headers(ticket.warn))
    return result
