"""Alembic environment: the database URL comes from SAAS_DATABASE_URL, the schema from saas_api.models."""

import os

from alembic import context
from saas_api.models import Base
from sqlalchemy import create_engine

target_metadata = Base.metadata


def run_migrations() -> None:
    url = os.environ.get("SAAS_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/saas_litellm")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
