"""interviews keep their parts: introduction in body_html, footnotes in notes_html

Until now an interview's body_html held the whole rendered frame (introduction, who is
who, every turn, the notes). Interviews are now rendered from their parts when shown,
so the introduction and the notes are cut out of the stored frame; the turns are in
the turns table already. Every row is kept.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 18:30:00

"""
import re
from html import escape

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The frame as templates/interviews/_body.html wrote it up to revision 0006.
INTRODUCTION = re.compile(
    r'\A<div class="introduction">\n(?P<html>.*?)\n</div>\n(?=<section class="participants")', re.S)
NOTES = re.compile(r'\n<section class="notes" aria-label="Notes">\n(?P<html>.*)\n</section>\Z', re.S)

pieces = sa.table(
    "pieces",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("body_html", sa.Text),
    sa.column("notes_html", sa.Text),
)


def upgrade():
    with op.batch_alter_table("pieces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes_html", sa.Text(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(pieces.c.id, pieces.c.body_html).where(pieces.c.kind == "interview")).all()
    for piece_id, frame in rows:
        frame = frame or ""
        introduction = INTRODUCTION.search(frame)
        notes = NOTES.search(frame)
        connection.execute(pieces.update().where(pieces.c.id == piece_id).values(
            body_html=introduction["html"] if introduction else "",
            notes_html=notes["html"] if notes else "",
        ))


def _frame(connection, piece_id, introduction, notes):
    """The whole interview as revision 0006 stored it, from its parts."""
    participants = connection.execute(sa.text(
        "SELECT id, name, initials, role, bio FROM participants WHERE piece_id = :piece "
        "ORDER BY position"), {"piece": piece_id}).all()
    turns = connection.execute(sa.text(
        "SELECT position, participant_id, text_html FROM turns WHERE piece_id = :piece "
        "ORDER BY position"), {"piece": piece_id}).all()
    by_id = {row.id: row for row in participants}
    out = []
    if introduction:
        out.append(f'<div class="introduction">\n{introduction}\n</div>')
    out.append('<section class="participants" aria-labelledby="participants-heading">\n'
               '<h2 id="participants-heading">In this interview</h2>\n<dl>')
    for row in participants:
        out.append(f"<dt>{escape(row.name)} ({escape(row.initials)})</dt>\n"
                   f'<dd class="role">{row.role.capitalize()}</dd>')
        if row.bio:
            out.append(f'<dd class="bio">{escape(row.bio)}</dd>')
    out.append("</dl>\n</section>\n<div class=\"transcript\">")
    seen = set()
    for turn in turns:
        speaker = by_id[turn.participant_id]
        interviewer = speaker.role == "interviewer"
        name = escape(speaker.name)
        label = name if speaker.id not in seen else f'<abbr title="{name}">{escape(speaker.initials)}</abbr>'
        seen.add(speaker.id)
        html = turn.text_html
        if interviewer:
            html = html.replace("<p>", "<p><strong>").replace("</p>", "</strong></p>")
        out.append(f'<div class="turn {"interviewer" if interviewer else "interviewee"}" '
                   f'id="turn-{turn.position}">\n<p class="speaker"><strong>{label}</strong>:</p>\n'
                   f"{html}\n</div>")
    out.append("</div>")
    if notes:
        out.append(f'<section class="notes" aria-label="Notes">\n{notes}\n</section>')
    return "\n".join(out)


def downgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.select(pieces.c.id, pieces.c.body_html, pieces.c.notes_html)
                              .where(pieces.c.kind == "interview")).all()
    for piece_id, introduction, notes in rows:
        connection.execute(pieces.update().where(pieces.c.id == piece_id).values(
            body_html=_frame(connection, piece_id, introduction, notes)))
    with op.batch_alter_table("pieces", schema=None) as batch_op:
        batch_op.drop_column("notes_html")
