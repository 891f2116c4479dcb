"""Alembic environment: runs on the connection ``portal.migrations`` hands in."""
from __future__ import annotations

from alembic import context

from portal.db import Base, import_models

import_models()
target_metadata = Base.metadata

connection = context.config.attributes.get("connection")
if connection is None:  # invoked without the portal (e.g. plain `alembic`): use the app
    from portal import create_app
    from portal.db import engine

    app = create_app()
    with app.app_context():
        with engine().begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata,
                              render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
