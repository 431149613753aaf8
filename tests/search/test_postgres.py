"""The PostgreSQL engine's own promises: written in the piece's transaction, its text search
configurations, its summary, its commands. The shared ones are in test_backend.py,
test_ranking.py and test_hooks.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from cms import create_app
from cms.articles import services as pieces
from cms.articles import trash
from cms.articles.models import Piece, PieceStatus
from cms.database import utcnow
from cms.extensions import db
from cms.search.postgres.backend import PostgresBackend
from cms.search.postgres.models import SearchEntry, SearchWord
from cms.search.postgres.text import document_text, match_query, rank_query
from cms.search.querylang import parse
from tests.conftest import base_config
from tests.search.conftest import ON_POSTGRES, titles

ENGINE = pytest.mark.config(CMS_SEARCH_BACKEND="postgres")


def test_the_engine_needs_postgresql(tmp_path):
    config = base_config(tmp_path / "instance", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(ValueError, match="CMS_SEARCH_BACKEND=postgres needs a PostgreSQL database"):
        create_app({**config, "CMS_SEARCH_BACKEND": "postgres"})


def test_the_query_language_becomes_quoted_words_and_operators():
    assert match_query(parse('Əliyev "free speech" -campaign title:online OR speaker:Roe')) == (
        "((('Aliyev' | 'Eliyev'))) & (('free' <-> 'speech')) & (('online':A) | ('Roe':D)) "
        "& !('campaign')")
    assert rank_query(parse('"free speech" free OR x')) == "'free' | 'speech' | 'x'"
    # Nothing typed reaches to_tsquery as syntax: only \w+ words, each quoted.
    assert match_query(parse("a'b & c|d ! e:* (f) <-> g\\h")) == (
        "(('a' & 'b')) & (('c' & 'd')) & (('e')) & (('f')) & (('g' & 'h'))")
    assert match_query(parse("_ __")) is None and match_query(parse("")) is None


def test_document_text_writes_the_schwa_both_ways_and_drops_markup_signs():
    assert document_text("İlham Əliyev, <b>Şəhər</b> & co") == (
        "İlham Aliyev,  b Şahar /b    co\nEliyev Şeher")


pytestmark_pg = [ENGINE, ON_POSTGRES]


@pytest.mark.usefixtures("ctx")
class TestInTheTransaction:
    pytestmark = pytestmark_pg

    def test_the_document_changes_with_the_commit_and_not_before(self, make_piece, ask, monkeypatch):
        piece = make_piece("Herons at dawn")
        monkeypatch.setattr("cms.search.services.update_index", _never)  # nothing after commits
        stored = db.session.get(Piece, piece.id)
        stored.title = "Egrets at dawn"
        db.session.flush()
        assert titles(ask("egrets")) == [] and titles(ask("herons")) == ["Herons at dawn"]
        db.session.rollback()
        assert titles(ask("herons")) == ["Herons at dawn"]
        stored = db.session.get(Piece, piece.id)
        stored.title = "Egrets at dawn"
        db.session.commit()
        assert titles(ask("egrets")) == ["Egrets at dawn"] and titles(ask("herons")) == []

    def test_a_failing_index_write_fails_the_save(self, make_piece, monkeypatch):
        draft = make_piece("Kites", status="draft")

        def broken(*_args, **_kwargs):
            raise RuntimeError("index down")

        monkeypatch.setattr(PostgresBackend, "write", broken)
        stored = db.session.get(Piece, draft.id)
        with pytest.raises(RuntimeError, match="index down"):
            pieces.publish(stored, stored.author, utcnow() - timedelta(minutes=1))
        db.session.rollback()
        assert db.session.get(Piece, draft.id).status == PieceStatus.DRAFT
        assert db.session.scalar(select(SearchEntry.piece_id)) is None

    def test_each_piece_is_read_in_its_languages_configuration(self, make_piece):
        make_piece("Running", body_source="The runners ran.")
        make_piece("Бег", body_source="Правозащитники бегали.", language="ru")
        make_piece("Qaçış", body_source="Şəhərdə qaçdılar.", language="az")
        rows = {row.title: row for row in db.session.execute(
            text("SELECT title, config, document::text AS document FROM search_documents"))}
        assert rows["Running"].config == "english" and "'runner':3C" in rows["Running"].document
        assert rows["Бег"].config == "russian" and "'правозащитник':2C" in rows["Бег"].document
        assert rows["Qaçış"].config == "simple"
        assert "'qacis':1A" in rows["Qaçış"].document and "'saharda':2C" in rows["Qaçış"].document
        assert "'seherde'" in rows["Qaçış"].document  # the e spelling of ə, for "Seherde"

    def test_the_summary_keeps_the_head_and_the_frequent_body_words(self, make_piece):
        body = " ".join(f"word{n}" for n in range(200)) + " court court court court court. The the the."
        make_piece("Quiet title", standfirst="A standfirst.", body_source=body, topics=["Prisons"])
        summary = db.session.scalar(text("SELECT summary::text FROM search_documents"))
        lexemes = dict(part.split(":", 1) for part in summary.replace("'", "").split(" "))
        assert lexemes["quiet"] == "1A" and lexemes["titl"] == "2A"
        assert lexemes["standfirst"].endswith("B") and lexemes["prison"].endswith("B")
        assert lexemes["court"].count("C") == 4  # four positions at most
        assert "the" not in lexemes  # a stop word is never among the frequent ones
        assert len(lexemes) == 2 + 3 + 64  # head words, and 64 body words

    def test_did_you_mean_offers_words_of_public_pieces_only(self, make_piece, ask):
        make_piece("Lighthouses", body_source="The keepers stayed.")
        later = make_piece("Later", body_source="lighthousez", published_at=utcnow() + timedelta(hours=1))
        assert db.session.get(SearchWord, "lighthousez") is not None
        assert ask("lighthousex").suggestion == "lighthouses"
        assert ask("lighthousez").suggestion == "lighthouses"
        assert ask("lighthousez", now=utcnow() + timedelta(hours=2)).total == 1
        trash.trash_piece(db.session.get(Piece, later.id), db.session.get(Piece, later.id).author)
        assert ask("lighthousez", now=utcnow() + timedelta(hours=2)).suggestion == "lighthouses"


def _never(*_args, **_kwargs):
    raise AssertionError("the PostgreSQL engine is written in the transaction, not after it")


@pytestmark_pg[0]
@pytestmark_pg[1]
def test_reindex_status_and_the_page(runner, client, make_piece, app):
    make_piece("One stork", topics=["Birds"])
    make_piece("Two storks", language="ru")
    make_piece("Later stork", published_at=utcnow() + timedelta(days=1))
    with app.app_context():
        db.session.execute(text("DELETE FROM search_documents"))
        db.session.commit()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 3 pieces." in result.output
    status = runner.invoke(args=["search", "status"])
    assert status.output == "Indexed: 3\nPublished: 2 (and 1 scheduled)\nWaiting for an index update: 0\n"
    html = client.get("/search?q=stork").get_data(as_text=True)
    assert "2 results for “stork”" in html
    assert '<span lang="ru">Русский</span></a> (1)' in html and "Birds</a> (1)" in html
    assert "Did you mean" in client.get("/search?q=storkz").get_data(as_text=True)
