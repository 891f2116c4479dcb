"""Alembic migrations, one branch per domain, applied by ``portal init``.

Every domain's first revision hangs off ``0001_base`` with a branch label of the
domain's name; ``upgrade("heads")`` applies all branches. A revision that needs
another domain's tables says so with ``depends_on``.

Create a revision for a domain (with the venv active)::

    portal db revision -m "add x" --head kb@head
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(HERE / "versions"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine) -> None:
    """Create or upgrade the schema in place; safe to run again."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "heads")


def current_heads(engine) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def script_heads() -> set[str]:
    """The heads a fully upgraded database records: a branch head that another
    branch ``depends_on`` is covered by that branch's head and not listed."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    heads = set(script.get_heads())
    covered = {rev.revision for head in heads for rev in script.iterate_revisions(head, "base")
               if rev.revision != head}
    return heads - covered
