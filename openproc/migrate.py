from alembic import command
from alembic.config import Config

# Alembic resolves "package:folder" through importlib.resources, so an installed wheel finds its migrations.
MIGRATIONS = "openproc:migrations"


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`. Runs its own event loop: call it from a thread inside async code."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["url"] = url
    config.attributes["quiet"] = True
    command.upgrade(config, revision)
