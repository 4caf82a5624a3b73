"""Data files that go wrong: a damaged, empty, missing or foreign history.sqlite3 or
accounts.sqlite3 says which and what to do, and ``--repair`` salvages what can be read."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.server.history import SCHEMA, HistoryStore
from app.server.storage import DataFileError, open_database, repair
from tests.conftest import StartServer
from tests.support import ROOT, TIMEOUT, IrcClient, random_file, said, sha256

HISTORY_CAPS = ("draft/chathistory", "batch", "server-time", "message-tags")
ROWS = 4000
PAGE = 4096


def run_server(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.server", "--host", "127.0.0.1", "--port", "0", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )


def errors(done: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines the server printed for the user (not its log lines)."""
    return [line for line in done.stderr.splitlines() if line.startswith("chatbox-server:")]


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: sha256(p) for p in sorted(folder.iterdir())}


def filled_history(folder: Path, rows: int = ROWS) -> Path:
    """A history.sqlite3 with ``rows`` messages in #room, written by the server's own store,
    its WAL folded in (closed)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "history.sqlite3"
    store = HistoryStore(path)
    now = int(time.time() * 1000) - rows  # recent: the retention of 90 days keeps them all
    for n in range(rows):
        store.add(f"m{n:06d}", "#room", now + n, f":alice!u@h PRIVMSG #room :message {n:06d}")
    store.close()
    assert not path.with_name("history.sqlite3-wal").exists()
    return path


def middle_leaves(path: Path, count: int) -> list[int]:
    """``count`` pages of the messages table from the middle of the file: rows live there
    (dbstat lists them; where SQLite lacks it, pages from the middle of the file)."""
    try:
        with sqlite3.connect(path) as db:
            leaves = [int(row[0]) for row in db.execute(
                "SELECT pageno FROM dbstat WHERE name = 'messages' AND pagetype = 'leaf' "
                "ORDER BY pageno"
            )]
        db.close()
    except sqlite3.OperationalError:  # no dbstat
        leaves = list(range(2, path.stat().st_size // PAGE + 1))
    middle = len(leaves) // 2
    return leaves[middle:middle + count]


def damage_pages(path: Path, pages: list[int]) -> None:
    """Overwrite these pages (numbered from 1, never page 1: the header and the schema) with
    random bytes."""
    with path.open("r+b") as handle:
        for page in pages:
            assert page > 1
            handle.seek((page - 1) * PAGE)
            handle.write(os.urandom(PAGE))


# ------------------------------------------------------------------ at start
@pytest.mark.parametrize("what", ["history", "accounts"])
def test_a_garbage_data_file_stops_the_server_with_one_line_naming_it_and_the_cure(
    tmp_path: Path, what: str
) -> None:
    folder = tmp_path / "data"
    path = random_file(folder / f"{what}.sqlite3", 64 * 1024)
    before = sha256(path)
    done = run_server("--data-dir", str(folder))
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert errors(done) == [
        f"chatbox-server: the {what} file {path} is damaged (not a database, or corrupted). "
        f"Move it aside and restart (a fresh {what}.sqlite3 is made), or run "
        f"`chatbox-server --repair --data-dir {folder}` to keep what can be read."
    ], done.stderr
    assert sha256(path) == before  # a damaged file is never written to


def test_a_zero_byte_history_starts_fresh_with_one_line_and_keeps_what_comes(
    start_server: StartServer, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "history.sqlite3"
    path.write_bytes(b"")
    server = start_server(data_dir=folder)
    alice = IrcClient(server.port)
    alice.register("alice")
    said(alice, "JOIN #room")
    said(alice, "PRIVMSG #room :written after the empty start")
    alice.close()
    assert server.stop() == 0
    notes = [line for line in server.log.splitlines() if "starting" in line]
    assert len(notes) == 3, server.log  # the history, and the accounts and channels files
    assert notes[0].endswith(f"history: {path} was empty (0 bytes): starting fresh")
    with sqlite3.connect(path) as db:
        lines = [row[0] for row in db.execute("SELECT line FROM messages")]
    assert any(line.endswith(":written after the empty start") for line in lines)


def test_missing_files_start_fresh_with_one_line_each_and_none_the_next_time(
    start_server: StartServer, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    server = start_server(data_dir=folder)
    assert server.stop() == 0
    notes = [line for line in server.log.splitlines() if "starting" in line]
    assert [line.split(" INFO chatbox.server: ")[1] for line in notes] == [
        f"history: starting a new file {folder / 'history.sqlite3'}",
        f"accounts: starting a new file {folder / 'accounts.sqlite3'}",
        f"channels: starting a new file {folder / 'channels.sqlite3'}",
    ]
    again = start_server(data_dir=folder)
    assert again.stop() == 0
    assert "starting" not in again.log


def test_another_programs_database_is_named_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    db.close()
    before = sha256(path)
    with pytest.raises(DataFileError) as caught:
        HistoryStore(path)
    assert str(caught.value).startswith(
        f"the history file {path} is a database of another program (its tables: photos). "
        "Move it aside and restart"
    )
    assert caught.value.path == path
    assert sha256(path) == before  # no table of ours was added to it


def test_a_folder_in_the_place_of_a_file_says_so(tmp_path: Path) -> None:
    (tmp_path / "accounts.sqlite3").mkdir()
    path = tmp_path / "accounts.sqlite3"
    with pytest.raises(DataFileError) as caught:
        open_database(path, "CREATE TABLE t (a)", "accounts")
    assert str(caught.value) == (
        f"the accounts file {path} is a folder, not a file. "
        "Move it aside and restart (a fresh accounts.sqlite3 is made)."
    )


def test_a_file_without_permission_says_permission_denied(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    tmp_path.chmod(0o755)  # reachable by anyone: only the file itself is closed
    folder.chmod(0o755)
    path = folder / "accounts.sqlite3"
    path.write_bytes(b"")
    path.chmod(0)
    check = ("import sys; from app.server.storage import DataFileError, open_database\n"
             "try:\n    open_database(__import__('pathlib').Path(sys.argv[1]), "
             "'CREATE TABLE t (a)', 'accounts')\n"
             "except DataFileError as exc:\n    print(exc)\n")
    command = [sys.executable, "-c", check, str(path)]
    if os.geteuid() == 0:  # root reads every file: check as nobody
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert "cannot be read: permission denied" in done.stdout, done.stderr


def test_a_damaged_page_is_caught_at_start_not_in_the_middle_of_a_chat(tmp_path: Path) -> None:
    path = filled_history(tmp_path / "data")
    damage_pages(path, middle_leaves(path, 1))
    with pytest.raises(DataFileError, match="is damaged"):
        HistoryStore(path)


# ------------------------------------------------------------------ --repair
def test_repair_keeps_most_rows_and_the_damaged_copy_and_the_server_serves_them(
    start_server: StartServer, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    path = filled_history(folder)
    damage_pages(path, middle_leaves(path, 3))
    damaged_sum = sha256(path)
    assert "is damaged" in errors(run_server("--data-dir", str(folder)))[0]

    done = run_server("--repair", "--data-dir", str(folder), timeout=60)
    assert done.returncode == 0, done.stderr
    history_line, accounts_line, channels_line = done.stdout.splitlines()
    copies = list(folder.glob("history.sqlite3.damaged-*"))
    assert len(copies) == 1 and sha256(copies[0]) == damaged_sum
    assert copies[0].name[len("history.sqlite3.damaged-"):].replace("-", "").isdigit()
    assert history_line.startswith(f"{path}: damaged (")
    assert history_line.endswith(f"in a fresh file, the damaged one is now {copies[0]}")
    kept = int(history_line.split("; kept ")[1].split()[0])
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = [row[0] for row in db.execute("SELECT line FROM messages ORDER BY seq")]
    db.close()
    assert len(stored) == kept and ROWS * 0.8 <= kept < ROWS
    assert accounts_line == f"{folder / 'accounts.sqlite3'}: no such file, nothing to repair"
    assert channels_line == f"{folder / 'channels.sqlite3'}: no such file, nothing to repair"

    server = start_server(data_dir=folder)
    bob = IrcClient(server.port)
    bob.register("bob", caps=HISTORY_CAPS)
    said(bob, "JOIN #room")
    replies = said(bob, "CHATHISTORY LATEST #room * 50")
    bob.close()
    got = [m.params[-1] for m in replies if m.command == "PRIVMSG"]
    assert got == [line.split(" :", 1)[1] for line in stored[-50:]]


def test_repair_of_healthy_files_says_so_and_changes_nothing(
    start_server: StartServer, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    server = start_server(data_dir=folder)
    alice = IrcClient(server.port)
    alice.register("alice")
    said(alice, "JOIN #room")
    said(alice, "PRIVMSG #room :a healthy file")
    alice.close()
    assert server.stop() == 0
    (folder / "stderr.log").unlink()
    before = snapshot(folder)
    done = run_server("--repair", "--data-dir", str(folder))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{folder / 'history.sqlite3'}: healthy, nothing changed",
        f"{folder / 'accounts.sqlite3'}: healthy, nothing changed",
        f"{folder / 'channels.sqlite3'}: healthy, nothing changed",
    ]
    assert snapshot(folder) == before


def test_repair_of_a_file_with_nothing_readable_leaves_it_and_exits_two(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    path = random_file(folder / "accounts.sqlite3", 8192)
    done = run_server("--repair", "--data-dir", str(folder))
    assert done.returncode == 2
    line = done.stdout.splitlines()[1]
    assert line.startswith(f"{path}: nothing could be read from it (")
    assert line.endswith("; not changed. Move it aside and restart (a fresh accounts.sqlite3 "
                         "is made).")
    assert list(folder.iterdir()) == [path]


def test_repair_without_a_data_folder_exits_two(tmp_path: Path) -> None:
    done = run_server("--repair", "--data-dir", str(tmp_path / "nowhere"))
    assert done.returncode == 2
    assert done.stdout.splitlines() == [
        f"no data folder {tmp_path / 'nowhere'}: nothing to repair (name it with --data-dir "
        "DIR, or --port N)"
    ]


def test_repair_reads_the_wal_and_around_rows_that_are_not_text(tmp_path: Path) -> None:
    path = filled_history(tmp_path / "before")
    damage_pages(path, middle_leaves(path, 1))
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA wal_autocheckpoint=0")  # what follows stays in the -wal
    db.execute("UPDATE messages SET line = CAST(X'ff00fe' AS TEXT) WHERE seq IN (10, 200)")
    db.execute("INSERT INTO messages (msgid, target, ms, line, tags) "
               "VALUES ('late', '#room', 1, 'only in the wal', '')")
    crashed = tmp_path / "crashed" / "history.sqlite3"  # as a kill -9 leaves them
    crashed.parent.mkdir()
    crashed.write_bytes(path.read_bytes())
    wal = crashed.with_name("history.sqlite3-wal")
    wal.write_bytes(path.with_name("history.sqlite3-wal").read_bytes())
    db.close()
    wal_sum = sha256(wal)

    result = repair(crashed, SCHEMA, "history")
    assert result.ok, result.text
    with sqlite3.connect(crashed) as fresh:
        lines = [row[0] for row in fresh.execute("SELECT line FROM messages")]
    fresh.close()
    assert "only in the wal" in lines
    assert all("\ufffd" not in line for line in lines)  # rows that are not UTF-8 are left out
    assert ROWS * 0.9 < len(lines) < ROWS
    damaged = next(crashed.parent.glob("history.sqlite3.damaged-*[0-9]"))
    assert sha256(damaged.with_name(damaged.name + "-wal")) == wal_sum  # went with its file
