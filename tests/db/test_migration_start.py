"""How a process meets its database at start: whether it is current is known without loading the
revisions, and processes that start together on one fresh database migrate it once between them."""

from __future__ import annotations

import asyncio
import re
import sys

from bot.db.database import MIGRATIONS, Database, head_revision, migration_scripts


def test_the_head_read_from_the_file_names_is_alembics_head() -> None:
    scripts = migration_scripts()
    assert head_revision() == scripts.get_current_head()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        # Each file is named for its revision, and the revisions make one line: NNNN revises NNNN-1.
        number = re.match(r"(\d{4})_\w+\.py$", path.name)
        assert number is not None, path.name
        script = scripts.get_revision(number.group(1))
        assert script is not None and script.path == str(path)
        if script.down_revision is not None:
            assert int(str(script.down_revision)) == int(script.revision) - 1


async def test_processes_starting_together_migrate_a_fresh_database_once(empty_url: str) -> None:
    first, second, third = [await Database.open(empty_url) for _ in range(3)]
    try:
        applied = await asyncio.gather(first.migrate(), second.migrate(), third.migrate())
        every = [script.revision for script in migration_scripts().walk_revisions()][::-1]
        assert sorted(applied, key=len) == [[], [], every]  # one migrated, the others found it current
        for database in (first, second, third):
            assert await database.schema_version() == head_revision()
    finally:
        for database in (first, second, third):
            await database.close()


async def test_a_process_whose_database_is_current_does_not_load_alembic(empty_url: str) -> None:
    database = await Database.open(empty_url)
    try:
        await database.migrate()
    finally:
        await database.close()
    check = (
        "import asyncio, sys\n"
        "from bot.db.database import Database\n"
        "async def start(url):\n"
        "    database = await Database.open(url)\n"
        "    applied = await database.migrate()\n"
        "    await database.close()\n"
        "    print(applied, sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n"
        "asyncio.run(start(sys.argv[1]))\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", check, empty_url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    assert stdout.decode().strip() == "[] []"
