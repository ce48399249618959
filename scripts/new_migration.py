"""Write the next numbered Alembic migration from the difference between the tables and the schema.

Usage: `python scripts/new_migration.py "what it changes"`. The migration is named
`NNNN_what_it_changes.py` and revises the previous one; read it before committing.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from alembic import command

from bluehelmet.storage import migrate
from bluehelmet.storage.database import make_engine


def main(message: str) -> None:
    versions = migrate.MIGRATIONS / "versions"
    number = len(list(versions.glob("[0-9][0-9][0-9][0-9]_*.py"))) + 1
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'head.db'}")
        migrate.upgrade(engine)
        config = migrate.alembic_config()
        config.set_main_option("file_template", f"%%(rev)s_{slug}")
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.revision(config, message=message, autogenerate=True, rev_id=f"{number:04d}")
        engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
