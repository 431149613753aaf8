"""The index follows the database after each commit, and survives its own failures."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from cms.articles import services as pieces
from cms.articles import trash
from cms.articles.models import Piece, Tag
from cms.database import utcnow
from cms.extensions import db
from cms.search import services
from cms.search.backend import get_backend
from cms.search.models import SearchBacklog
from cms.search.whoosh.backend import WhooshBackend
from tests.search.conftest import ON_POSTGRES, titles


class HookContract:
    """What every engine owes the hooks: each change shows in the next search."""

    def test_publish_edit_unpublish_trash_restore_and_purge_show_at_once(self, ctx, make_piece,
                                                                         make_user, ask):
        writer = make_user("writer")
        draft = make_piece("Draft about dragons", author=writer, status="draft")
        assert titles(ask("dragons")) == []
        piece = db.session.get(Piece, draft.id)
        user = piece.author
        pieces.publish(piece, user, utcnow() - timedelta(minutes=1))
        assert titles(ask("dragons")) == ["Draft about dragons"]
        pieces.update_piece(piece, user, pieces.PieceData(title="Notes about wyverns"))
        assert titles(ask("wyverns")) == []  # a change waits: readers still find what they see
        assert titles(ask("dragons")) == ["Draft about dragons"]
        pieces.publish_changes(piece, user)
        assert titles(ask("dragons")) == []
        assert titles(ask("wyverns")) == ["Notes about wyverns"]
        pieces.unpublish(piece, user)
        assert titles(ask("wyverns")) == []
        pieces.publish(piece, user, utcnow() - timedelta(minutes=1))
        assert titles(ask("wyverns")) == ["Notes about wyverns"]
        trash.trash_piece(piece, user)
        assert titles(ask("wyverns")) == []
        assert get_backend().document_ids() == set()
        editor = make_user("editor")
        trash.restore_piece(piece, db.session.get(type(user), editor.id))
        assert titles(ask("wyverns")) == ["Notes about wyverns"]
        trash.purge_trash()  # nothing old in the trash: nothing changes
        trash.trash_piece(piece, user)
        assert trash.purge_trash(utcnow() + timedelta(days=31)) == 1
        assert titles(ask("wyverns")) == []
        assert get_backend().document_ids() == set()

    def test_renamed_tag_is_searchable_on_its_pieces(self, ctx, make_piece, ask):
        make_piece("Tagged", topics=["Privacy"])
        assert ask("title:tagged").facets["tag"][0].key == "privacy"
        tag = db.session.scalar(select(Tag).where(Tag.slug == "privacy"))
        tag.slug = "surveillance"
        db.session.commit()
        assert ask("title:tagged").facets["tag"][0].key == "surveillance"

    def test_interview_turns_are_indexed_when_added(self, archive, ask):
        assert titles(ask("exile prison")) == ["Talking to a journalist in exile"]

    def test_a_deleted_tag_leaves_its_pieces_documents(self, ctx, make_piece, ask):
        make_piece("Tagged", topics=["Privacy"])
        db.session.delete(db.session.scalar(select(Tag).where(Tag.slug == "privacy")))
        db.session.commit()
        assert ask("title:tagged").facets["tag"] == []
        assert titles(ask("privacy")) == []


class TestWhooshHooks(HookContract):
    pytestmark = pytest.mark.config(CMS_SEARCH_BACKEND="whoosh")


class TestPostgresHooks(HookContract):
    pytestmark = [pytest.mark.config(CMS_SEARCH_BACKEND="postgres"), ON_POSTGRES]


def test_index_failure_keeps_the_write_and_catches_up(ctx, make_piece, ask, monkeypatch, caplog):
    make_piece("First piece")  # the index exists
    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(WhooshBackend, "sync", broken)
    with caplog.at_level(logging.ERROR):
        lost = make_piece("Piece about otters")
    assert "search: index update failed" in caplog.text
    assert db.session.get(Piece, lost.id) is not None  # the database write stands
    assert list(db.session.scalars(select(SearchBacklog.piece_id))) == [lost.id]
    monkeypatch.undo()
    assert titles(ask("otters")) == []
    make_piece("Piece about badgers")  # the next successful update catches up
    assert titles(ask("otters")) == ["Piece about otters"]
    assert list(db.session.scalars(select(SearchBacklog.piece_id))) == []


def _freeze(folder, frozen: bool) -> None:
    """Make a folder unwritable, for root too: chattr +i where root ignores permissions."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i" if frozen else "-i", str(folder)], check=True)
    else:
        folder.chmod(0o500 if frozen else 0o700)


def test_unwritable_index_folder_then_reindex(ctx, make_piece, ask, caplog):
    if os.geteuid() == 0 and shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: nothing can make the folder unwritable")
    make_piece("First piece")
    backend = get_backend()
    folder = backend.root / backend.current_name()
    _freeze(folder, True)
    try:
        with caplog.at_level(logging.ERROR):
            make_piece("Piece about herons")
    finally:
        _freeze(folder, False)
    assert "herons" not in " ".join(titles(ask("herons")))
    assert db.session.scalar(select(SearchBacklog.piece_id)) is not None
    assert services.reindex() == 2
    assert titles(ask("herons")) == ["Piece about herons"]
    assert db.session.scalar(select(SearchBacklog.piece_id)) is None


def test_reindex_builds_a_new_folder_and_swaps(ctx, make_piece, ask):
    make_piece("Swallows")
    backend = get_backend()
    before = backend.current_name()
    assert titles(ask("swallows")) == ["Swallows"]  # a searcher is open on the old folder
    assert services.reindex() == 1
    assert backend.current_name() != before
    assert titles(ask("swallows")) == ["Swallows"]
    services.reindex()
    folders = sorted(p.name for p in backend.root.glob("index-*"))
    assert len(folders) == 2 and backend.current_name() in folders and before not in folders


def test_concurrent_writers_lose_no_update(app, make_user):
    writer = make_user("writer")
    errors: list[BaseException] = []

    def publish_many(worker: int) -> None:
        try:
            with app.app_context():
                user = db.session.get(type(writer), writer.id)
                for number in range(5):
                    piece = pieces.create_piece(
                        user, pieces.PieceData(title=f"Concurrent {worker} {number} kestrel"))
                    pieces.publish(piece, user, utcnow() - timedelta(minutes=1))
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    with app.app_context():  # one index first, so the threads race on writes, not on creation
        user = db.session.get(type(writer), writer.id)
        pieces.publish(pieces.create_piece(user, pieces.PieceData(title="Seed")), user, utcnow())
    threads = [threading.Thread(target=publish_many, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(SearchBacklog.piece_id)) is None
        published = set(db.session.scalars(select(Piece.id).where(Piece.title.like("Concurrent%"))))
        assert len(published) == 20
        assert published <= get_backend().document_ids()



def test_a_piece_unpublished_while_the_index_fails_is_not_shown(app, client, make_piece, monkeypatch):
    piece = make_piece("Piece about ospreys")
    assert "Piece about ospreys" in client.get("/search?q=ospreys").get_data(as_text=True)

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(WhooshBackend, "sync", broken)
    from cms.articles import services as pieces

    with app.app_context():
        stored = db.session.get(Piece, piece.id)
        pieces.unpublish(stored, stored.author)
    monkeypatch.undo()
    page = client.get("/search?q=ospreys").get_data(as_text=True)
    assert "Piece about ospreys" not in page  # the index still has it; the database says no
