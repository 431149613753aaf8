"""Fill a database with a deterministic, realistic archive for the benchmarks.

    bench/make_archive.py --pieces 10000 --comments 200000 [--seed N] [--reset]

The database is the one CMS_DATABASE_URL names, else a SQLite file in the instance folder:
CMS_INSTANCE_PATH, else bench/instance/ (never the demo site's instance/). A few campaigns,
hundreds of tags, pieces of 800-3,000 words of which 20%
are interviews, some in Russian and Azerbaijani, comments spread unevenly (a few
pieces with 500+ approved ones, 5% pending), then the search index.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import click

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402

DEFAULT_INSTANCE = HERE / "instance"


@contextmanager
def stage(name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    click.echo(f"{name}: {time.perf_counter() - started:.1f} s")


def make_app():  # type: ignore[no-untyped-def]
    # The Whoosh index and uploads of an archive in PostgreSQL belong to the benchmark too.
    os.environ.setdefault("CMS_INSTANCE_PATH", str(DEFAULT_INSTANCE))
    from cms import create_app

    return create_app({"CMS_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def article_body(rng: random.Random, words: list[str], size: int) -> str:
    parts, count, note = [], 0, 0
    while count < size:
        length = rng.randint(60, 160)
        text = corpus.paragraph(rng, words, length)
        if rng.random() < 0.08:
            note += 1
            text += f"[^{note}]"
        if rng.random() < 0.1:
            parts.append("## " + corpus.title(rng, words))
        parts.append(text)
        count += length
    parts += [f"[^{n}]: {corpus.sentence(rng, words)}" for n in range(1, note + 1)]
    return "\n\n".join(parts)


def transcript(rng: random.Random, words: list[str], size: int) -> str:
    interviewer, guest = corpus.person(rng), corpus.person(rng)
    while guest == interviewer:
        guest = corpus.person(rng)
    marks = ["IN", "GU"]
    lines = [corpus.paragraph(rng, words, 60)]
    count, turn = 0, 0
    while count < size:
        speaker = turn % 2
        length = rng.randint(20, 40) if speaker == 0 else rng.randint(60, 200)
        label = (f"{interviewer} ({marks[0]}):" if turn == 0 else
                 f"{guest} ({marks[1]}):" if turn == 1 else f"{marks[speaker]}:")
        lines.append(f"{label} {corpus.paragraph(rng, words, length)}")
        if speaker == 1 and rng.random() < 0.3:
            lines.append(corpus.paragraph(rng, words, 50))
        count += length
        turn += 1
    return "\n\n".join(lines)


def comment_row(rng: random.Random, piece_id: int, moderator_id: int, start: datetime,
                span: float) -> dict:
    """One comment: 5% pending, the rest approved, in one of the archive's languages."""
    from cms.comments.models import CommentStatus
    from cms.textformat import plain_text_to_html

    words = corpus.LANGUAGES[rng.choices(["en", "ru", "az"], [85, 10, 5])[0]]
    body = "\n\n".join(corpus.paragraph(rng, words, rng.randint(10, 60))
                       for _ in range(rng.randint(1, 3)))
    pending = rng.random() < 0.05
    return dict(
        piece_id=piece_id, author_name=corpus.person(rng), author_email="", body=body,
        body_html=plain_text_to_html(body),
        status=CommentStatus.PENDING if pending else CommentStatus.APPROVED,
        created_at=start + timedelta(seconds=rng.random() * span),
        moderated_by_id=None if pending else moderator_id,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pieces", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="empty the content tables first")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import delete, func, insert, select, text

    from cms.accounts import services as accounts
    from cms.accounts.models import Role, User
    from cms.articles import services as pieces
    from cms.articles.models import Piece, PieceKind, PieceStatus, Tag, TagKind, piece_tags
    from cms.campaigns.models import Campaign
    from cms.comments.models import Comment, CommentStatus, ModerationEvent
    from cms.extensions import db
    from cms.interviews import services as interviews
    from cms.slugs import make_slug
    from cms.textformat import markdown_to_html

    app = make_app()
    rng = random.Random(args.seed)
    with app.app_context():
        with stage("migrate"):
            upgrade(revision="heads")
        existing = db.session.scalar(select(func.count(Piece.id)))
        if existing and not args.reset:
            sys.exit(f"the database already holds {existing} pieces: add --reset to replace them")
        if existing:
            with stage("reset"):
                for model in (ModerationEvent, Comment, piece_tags, Piece, Tag, Campaign):
                    db.session.execute(delete(model))
                db.session.commit()

        with stage("users, campaigns, tags"):
            writers = []
            for number in range(20):
                email = f"bench-writer{number}@example.org"
                writers.append(accounts.find_by_email(email) or accounts.create_user(
                    email, corpus.person(rng), Role.WRITER, "bench password 123"))
            admin = accounts.find_by_email("bench-admin@example.org") or accounts.create_user(
                "bench-admin@example.org", "Bench Admin", Role.ADMIN, "bench password 123")
            moderator = accounts.find_by_email("bench-mod@example.org") or accounts.create_user(
                "bench-mod@example.org", "Bench Moderator", Role.MODERATOR, "bench password 123")
            campaign_ids = []
            for number in range(5):
                title = f"{corpus.title(rng, corpus.ENGLISH)} campaign {number}"
                campaign = Campaign(slug=make_slug(title), title=title,
                                    description=corpus.sentence(rng, corpus.ENGLISH),
                                    attribution=f"This article is part of {title}, financed by "
                                                f"the Bench Foundation.")
                db.session.add(campaign)
                db.session.flush()
                campaign_ids.append(campaign.id)
            tag_rows, names = [], set()
            while len(tag_rows) < 300:
                kind = TagKind.COUNTRY if len(tag_rows) < 60 else TagKind.TOPIC
                name = (corpus.title(rng, corpus.ENGLISH)[:30] if kind == TagKind.TOPIC
                        else f"Country {len(tag_rows)}")
                slug = make_slug(name)
                if slug not in names:
                    names.add(slug)
                    tag_rows.append({"kind": kind, "name": name, "slug": slug})
            db.session.execute(insert(Tag), tag_rows)
            db.session.commit()
            tag_ids = list(db.session.scalars(select(Tag.id)))
            writer_ids = [w.id for w in writers]

        start = datetime(2018, 1, 1)
        span = (datetime(2026, 1, 1) - start).total_seconds()
        interview_count = args.pieces // 5
        with click.progressbar(length=args.pieces, label="pieces") as bar, stage("pieces"):
            batch, links, slugs = [], [], set()
            for number in range(args.pieces):
                language = rng.choices(["en", "ru", "az"], weights=[80, 10, 10])[0]
                words = corpus.LANGUAGES[language]
                size = rng.randint(800, 3000)
                title = corpus.title(rng, words)
                slug = make_slug(title)
                if slug in slugs:
                    slug = f"{slug}-{number}"
                slugs.add(slug)
                when = start + timedelta(seconds=span * number / args.pieces)
                row = dict(
                    slug=slug, title=title, standfirst=corpus.sentence(rng, words),
                    language=language, status=PieceStatus.PUBLISHED, published_at=when,
                    comments_open=True, created_at=when, updated_at=when,
                    author_id=rng.choice(writer_ids), campaign_id=rng.choice(campaign_ids),
                )
                chosen_tags = rng.sample(tag_ids, rng.randint(2, 4))
                if number % 5 == 0 and number // 5 < interview_count:
                    author = db.session.get(User, row["author_id"])
                    data = pieces.PieceData(title=title, body_source=transcript(rng, words, size),
                                            standfirst=row["standfirst"], slug=slug,
                                            language=language, campaign_id=row["campaign_id"])
                    piece = interviews.create_interview(author, data)
                    piece.status, piece.published_at = PieceStatus.PUBLISHED, when
                    piece.created_at = piece.updated_at = when
                    db.session.commit()
                    links += [{"piece_id": piece.id, "tag_id": t} for t in chosen_tags]
                else:
                    source = article_body(rng, words, size)
                    row.update(kind=PieceKind.ARTICLE, body_source=source,
                               body_html=markdown_to_html(source))
                    batch.append((row, chosen_tags))
                if len(batch) >= 200 or number == args.pieces - 1:
                    for row_, tags_ in batch:
                        piece_id = db.session.execute(insert(Piece).values(**row_)).inserted_primary_key[0]
                        links += [{"piece_id": piece_id, "tag_id": t} for t in tags_]
                    db.session.execute(insert(piece_tags), links)
                    db.session.commit()
                    batch, links = [], []
                bar.update(1)

        with stage("comments"):
            piece_ids = list(db.session.scalars(select(Piece.id).order_by(Piece.id)))
            popular = piece_ids[-5:]  # the newest pieces are the talked-about ones
            plan = [(pid, 520 + 40 * n) for n, pid in enumerate(popular)]
            remaining = max(args.comments - sum(count for _, count in plan), 0)
            # A long tail: most pieces get a handful, the top few hundreds.
            weights = [1 / (rank + 1) ** 0.5 for rank in range(len(piece_ids))]
            rng.shuffle(weights)
            for pid in rng.choices(piece_ids, weights=weights, k=remaining):
                plan.append((pid, 1))
            totals: dict[int, int] = {}
            for pid, count in plan:
                totals[pid] = totals.get(pid, 0) + count
            made = 0
            with click.progressbar(length=args.comments, label="comments") as bar:
                for pid, count in totals.items():
                    replies = count * 15 // 100
                    first = [comment_row(rng, pid, moderator.id, start, span)
                             for _ in range(count - replies)]
                    db.session.execute(insert(Comment), first)
                    parents = list(db.session.scalars(select(Comment.id).where(
                        Comment.piece_id == pid, Comment.status == CommentStatus.APPROVED)))
                    answers = []
                    for _ in range(replies if parents else 0):
                        row = comment_row(rng, pid, moderator.id, start, span)
                        row["parent_id"] = rng.choice(parents)
                        answers.append(row)
                    if answers:
                        db.session.execute(insert(Comment), answers)
                    made += len(first) + len(answers)
                    bar.update(len(first) + len(answers))
                db.session.commit()
            click.echo(f"comments made: {made}")

        if db.engine.dialect.name == "postgresql":
            with stage("analyze"):  # the planner's figures for the rows just loaded in bulk
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("ANALYZE"))
        with stage("search index"):
            if "search" in app.cli.commands:
                result = app.test_cli_runner().invoke(args=["search", "reindex"])
                if result.exit_code != 0:
                    sys.exit(f"search reindex failed: {result.output}")
                click.echo(result.output.strip().splitlines()[-1] if result.output else "")
        click.echo(f"archive ready: {args.pieces} pieces, {made} comments, admin {admin.email}")


if __name__ == "__main__":
    main()
