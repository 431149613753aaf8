"""The interview desk at /desk/interviews/: write or paste a transcript, confirm participants.

Preview, publish, unpublish and delete are the desk's routes for every kind of piece
(desk.*); an interview's editor (its desk_endpoint) is here.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from cms.articles import services as pieces
from cms.articles.desk import (
    base_revision,
    campaign_choices,
    desk_context,
    desk_url,
    editable_piece,
    keep_upload,
    prefill,
    refused,
    saved_message,
    validated_data,
    writer_required,
)
from cms.extensions import db
from cms.interviews import services
from cms.interviews.forms import InterviewForm, participants_form
from cms.interviews.models import Interview
from cms.interviews.transcript import parse

bp = Blueprint("interview_desk", __name__, url_prefix="/desk/interviews")


def _transcript_problem(form: InterviewForm) -> Callable[[pieces.PieceData], str | None]:
    """What is wrong with the transcript, read before anything is stored: its size, a line it
    cannot read, or a last turn that looks like the page's credits (until the writer confirms)."""

    def check(data: pieces.PieceData) -> str | None:
        try:
            pieces.check_body_size(data.body_source)
            parsed = parse(data.body_source)
        except services.ParseError as exc:
            return str(exc)
        except pieces.PieceError as exc:
            return exc.message
        credits = services.credits_in_last_turn(parsed)
        if credits and not form.keep_last_turn.data:
            form.keep_last_turn.flags.shown = True
            return (f"The last turn reads like the page's credits (“{credits}”): readers would see it "
                    "as said by its speaker. Move it out of the transcript, or tick “Keep the last "
                    "turn as it is” and save again.")
        return None

    return check


def _save(form: InterviewForm, piece: Interview | None,
          refusal: dict[str, object]) -> Interview | None:
    """Validate and save; None when the form goes back with errors (nothing saved but a valid
    upload, kept for the next try), with `refusal` saying what to show beside it."""
    data = validated_data(form, _transcript_problem(form))
    if data is None:
        return None
    try:
        if piece is None:
            return services.create_interview(current_user, data)
        return services.update_interview(piece, current_user, data, base=base_revision(form))
    except services.ParseError as exc:
        db.session.rollback()
        form.body_source.errors = [str(exc)]
    except pieces.PieceError as exc:
        refusal.update(refused(form, exc))
    keep_upload(form, data)
    return None


@bp.route("/new", methods=["GET", "POST"])
@writer_required
def new_interview() -> str | Response:
    form = InterviewForm()
    campaign_choices(form)
    piece = _save(form, None, {}) if request.method == "POST" else None
    if piece is not None:
        flash("Saved. Please confirm who is who.")
        return redirect(url_for("interview_desk.participants", piece_id=piece.id))
    return render_template("interviews/edit.html", form=form, piece=None)


@bp.route("/<int:piece_id>/edit", methods=["GET", "POST"])
@writer_required
def edit(piece_id: int) -> str | Response:
    piece = editable_piece(piece_id, Interview)
    form = InterviewForm(formdata=None) if request.method == "GET" else InterviewForm()
    campaign_choices(form, piece)
    refusal: dict[str, object] = {}
    if request.method == "GET":
        prefill(form, piece)
    else:
        before = {p.initials for p in piece.participants}
        if _save(form, piece, refusal) is not None:
            if request.form.get("action") == "preview":
                return redirect(url_for("desk.preview", piece_id=piece.id))
            if {p.initials for p in piece.participants} - before:
                flash("Saved. New speakers: please confirm who is who.")
                return redirect(url_for("interview_desk.participants", piece_id=piece.id))
            flash(saved_message(piece))
            return redirect(desk_url(piece))
    return render_template("interviews/edit.html", form=form, piece=piece, **desk_context(piece),
                           **refusal)


@bp.route("/<int:piece_id>/participants", methods=["GET", "POST"])
@writer_required
def participants(piece_id: int) -> str | Response:
    """After parsing: the writer confirms each participant's role and short bio."""
    piece = editable_piece(piece_id, Interview)
    form = participants_form(piece.participants)
    if form.validate_on_submit():
        edits = {
            p.initials: services.ParticipantEdit(
                role=form[f"role_{p.position}"].data, bio=form[f"bio_{p.position}"].data or "")
            for p in piece.participants
        }
        services.confirm_participants(piece, current_user, edits)
        if request.form.get("action") == "preview":
            return redirect(url_for("desk.preview", piece_id=piece.id))
        flash("Participants confirmed.")
        return redirect(desk_url(piece))
    return render_template("interviews/participants.html", piece=piece, form=form)
