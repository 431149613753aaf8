"""The writer desk at /desk/: the list of pieces, the article editor, and what every kind
of piece shares: preview, publish, unpublish, delete (to the trash) and the trash. Other kinds
bring their own editor (desk_endpoint) and reuse the helpers here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from cms.articles import revisions, services, translations
from cms.articles.forms import ConfirmForm, PieceForm, PublishForm, split_names
from cms.articles.images import ImageError, store_image
from cms.articles.models import Article, Image, Piece
from cms.articles.trash import restore_piece, trash_expiry, trash_piece, trashed_pieces
from cms.campaigns.services import all_campaigns
from cms.database import site_to_utc, utc_to_site, utcnow
from cms.extensions import db
from cms.forms import requested_page
from cms.formtokens import FormTokenError, make_token, read_token
from cms.languages import language_choices
from cms.permissions import Action, permission_required, require
from cms.rules import small_int

bp = Blueprint("desk", __name__, url_prefix="/desk")
writer_required = permission_required(Action.WRITE)
Kind = TypeVar("Kind", bound=Piece)


def desk_url(piece: Piece) -> str:
    """The editor of a piece: each kind has its own."""
    return url_for(piece.desk_endpoint, piece_id=piece.id)


def editable_piece(piece_id: int, kind: type[Kind] = Piece) -> Kind:  # type: ignore[assignment]
    """The piece of `kind` with this id, out of the trash (404), that the current user may
    edit (403)."""
    piece = db.session.get(Piece, piece_id)
    if not isinstance(piece, kind) or piece.trashed_at is not None:
        abort(404)
    require(current_user, Action.EDIT_PIECE, piece)
    return piece


def campaign_choices(form: PieceForm, piece: Piece | None = None) -> None:
    """The campaigns, and the site's languages (the piece's own kept), for the form's lists."""
    form.campaign_id.choices = [("", "— no campaign —")] + [
        (str(c.id), c.title) for c in all_campaigns()
    ]
    form.language.choices = language_choices(piece.language if piece is not None else None)


def prefill(form: PieceForm, piece: Piece) -> None:
    """Show the newest revision of a piece (its draft of changes, if any) in the form."""
    head = revisions.head_revision(piece)
    source = head if head is not None else piece
    for name in ("title", "slug", "standfirst", "body_source", "language"):
        getattr(form, name).data = getattr(source, name)
    form.campaign_id.data = str(source.campaign_id or "")
    form.comments_open.data = piece.comments_open
    form.base_revision.data = str(head.number) if head is not None else ""
    if head is not None:
        form.topics.data, form.countries.data = head.topics, head.countries
        form.bylines.data = head.credits
        if head.image_id is not None:
            form.image_alt.data, form.image_caption.data = head.image_alt, head.image_caption
            form.image_credit.data, form.image_licence_name.data = head.image_credit, head.image_licence_name
            form.image_licence_url.data, form.image_source_url.data = (head.image_licence_url,
                                                                       head.image_source_url)


def publish_form(piece: Piece) -> PublishForm:
    """The status box's form, showing an end date still to come in the site's time zone (one
    that has passed is left out: publishing again brings the piece back)."""
    form = PublishForm(formdata=None)
    if piece.unpublish_at is not None and not piece.has_ended:
        local = utc_to_site(piece.unpublish_at, current_app.config["CMS_TIMEZONE"])
        form.unpublish_at.data = local.replace(tzinfo=None)
    return form


def piece_data(form: PieceForm) -> services.PieceData:
    campaign = form.campaign_id.data
    return services.PieceData(
        title=form.title.data or "",
        slug=form.slug.data or "",
        standfirst=form.standfirst.data or "",
        body_source=form.body_source.data or "",
        language=form.language.data or "en",
        campaign_id=small_int(campaign),
        topics=split_names(form.topics.data),
        countries=split_names(form.countries.data),
        comments_open=bool(form.comments_open.data),
        remove_image=bool(form.remove_image.data),
        image_details=services.ImageDetails(
            alt_text=form.image_alt.data or "", caption=form.image_caption.data or "",
            credit=form.image_credit.data or "", licence_name=form.image_licence_name.data or "",
            licence_url=form.image_licence_url.data or "", source_url=form.image_source_url.data or ""),
        note=form.note.data or "",
        bylines=form.bylines.data or "",
        up_to_date=bool(form.up_to_date.data),
    )


KEPT_IMAGE_SECONDS = 24 * 3600  # how long a form may bring back an image it kept


def attach_upload(form: PieceForm, data: services.PieceData) -> bool:
    """Store an uploaded lead image into `data` (or the one this form kept when another field
    was refused); False (with the form error set) if refused."""
    upload = form.image.data
    if not upload or not getattr(upload, "filename", ""):
        data.image = kept_upload(form)
        return True
    try:
        data.image = store_image(
            upload.stream,
            alt_text=form.image_alt.data or "",
            caption=form.image_caption.data or "",
            credit=form.image_credit.data or "",
            licence_name=form.image_licence_name.data or "",
            licence_url=form.image_licence_url.data or "",
            source_url=form.image_source_url.data or "",
        )
    except ImageError as exc:
        form.image.errors = [str(exc)]
        return False
    db.session.commit()  # stored whole now: whatever else the form gets wrong, it can be kept
    return True


def keep_upload(form: PieceForm, data: services.PieceData) -> None:
    """A valid upload is stored when another field sends the form back, and the form carries
    it, so the writer does not choose the file again. Never saved, it goes with `trash purge`."""
    if data.image is None or data.image.id is None:
        return
    purpose = f"kept image {data.image.id}"
    form.kept_image.data = f"{data.image.id}:{make_token(purpose, current_user.id)}"
    form.kept_image.raw_data = [form.kept_image.data]


def kept_upload(form: PieceForm) -> Image | None:
    """The image this form kept for this user, if its token is good."""
    image_id, _, token = (form.kept_image.data or "").partition(":")
    number = small_int(image_id)
    if number is None:
        return None
    try:
        read_token(token, f"kept image {number}", current_user.id, max_age=KEPT_IMAGE_SECONDS)
    except FormTokenError:
        return None
    return db.session.get(Image, number)


def validated_data(form: PieceForm, check: Callable[[services.PieceData], str | None] | None = None
                   ) -> services.PieceData | None:
    """The form's data with its upload, or None when the form goes back with errors; `check`
    reads the body (an interview's transcript) and says what is wrong with it, if anything."""
    valid = form.validate_on_submit()
    if "csrf_token" in form.errors:
        return None
    data = piece_data(form)
    problem = check(data) if valid and check is not None else None
    if problem:
        form.body_source.errors, valid = [problem], False
    if not attach_upload(form, data):
        db.session.rollback()
        return None
    if not valid:
        keep_upload(form, data)
        return None
    return data


def refused(form: PieceForm, exc: services.PieceError) -> dict[str, object]:
    """A refused save goes back to the form with what was typed: a rule's message on its
    field, or, over a newer revision, that revision beside the writer's text."""
    db.session.rollback()
    if isinstance(exc, services.EditConflict):
        newest = exc.newest
        form.base_revision.data = str(newest.number)  # saving again replaces it, knowingly
        form.base_revision.raw_data = [str(newest.number)]
        return {"conflict": newest, "conflict_changes": revisions.compare(
            newest, services.unsaved_revision(piece_data(form), newest))}
    getattr(form, exc.field).errors = [exc.message]
    return {}


def _save(form: PieceForm, piece: Article | None, refusal: dict[str, object]) -> Piece | None:
    """Validate and save the form; None when it goes back to the writer (`refusal` then says
    what to show beside it)."""
    data = validated_data(form)
    if data is None:
        return None
    try:
        if piece is None:
            return services.create_piece(current_user, data)
        return services.update_piece(piece, current_user, data, base=base_revision(form))
    except services.PieceError as exc:
        refusal.update(refused(form, exc))
        keep_upload(form, data)
        return None


def _after_save(piece: Piece) -> Response:
    if request.form.get("action") == "preview":
        return redirect(url_for("desk.preview", piece_id=piece.id))
    flash(saved_message(piece))
    return redirect(desk_url(piece))


def saved_message(piece: Piece) -> str:
    if revisions.pending_revision(piece) is not None:
        return ("Saved as a draft of changes: readers still see the published version until "
                "you choose “Publish changes”.")
    return "Saved."


@bp.route("/")
@writer_required
def index() -> str:
    pieces = db.paginate(services.desk_pieces(current_user), page=requested_page(),
                         per_page=25, error_out=False)
    return render_template("desk/index.html", pieces=pieces,
                           pending=revisions.pieces_with_pending_changes(pieces.items),
                           outdated=translations.outdated_translations(current_user))


@bp.route("/new", methods=["GET", "POST"])
@writer_required
def new() -> str | Response:
    form = PieceForm()
    campaign_choices(form)
    piece = _save(form, None, {}) if request.method == "POST" else None
    if piece is not None:
        return _after_save(piece)
    return render_template("desk/edit.html", form=form, piece=None)


@bp.route("/<int:piece_id>/edit", methods=["GET", "POST"])
@writer_required
def edit(piece_id: int) -> str | Response:
    found = editable_piece(piece_id)
    if not isinstance(found, Article):  # another kind's piece: its own editor
        return redirect(desk_url(found), code=303)
    piece = found
    form = PieceForm(formdata=None) if request.method == "GET" else PieceForm()
    campaign_choices(form, piece)
    refusal: dict[str, object] = {}
    if request.method == "GET":
        prefill(form, piece)
    elif _save(form, piece, refusal) is not None:
        return _after_save(piece)
    return render_template("desk/edit.html", form=form, piece=piece, **desk_context(piece),
                           **refusal)


def base_revision(form: PieceForm) -> int:
    """The revision the form started from; 0 when it does not say (a form from elsewhere, or
    tampered with), which any saved revision is newer than: refused, with both texts shown."""
    return small_int(form.base_revision.data) or 0


def desk_context(piece: Piece) -> dict[str, object]:
    """What the status box of an editor shows and posts: dates, changes waiting, buttons."""
    head = revisions.head_revision(piece)
    return {"publish_form": publish_form(piece), "confirm": ConfirmForm(),
            "pending": revisions.pending_revision(piece),
            "draft_image": head.image if head is not None else piece.image,  # what the form edits
            "versions": translations.group(piece),
            "outdated": translations.is_outdated(piece),
            "untranslated": translations.missing_languages(piece)}


@bp.route("/<int:piece_id>/preview")
@writer_required
def preview(piece_id: int) -> str:
    piece = editable_piece(piece_id)
    # A draft has no date yet: show the one it would get if published now. A published piece
    # with changes waiting shows them, as readers will see them once published.
    return render_template(piece.template, piece=revisions.draft_view(piece), preview=True,
                           preview_date=utcnow(), **desk_context(piece))


@bp.route("/<int:piece_id>/publish", methods=["POST"])
@writer_required
def publish(piece_id: int) -> Response | tuple[str, int]:
    """Publish, schedule, or change the dates; a refused form comes back with what was typed."""
    piece = editable_piece(piece_id)
    form = PublishForm()
    if not form.validate_on_submit():
        if form.publish_at.errors:
            form.publish_at.errors = ["Give the publication time as a date and a time, or leave it empty."]
        if form.unpublish_at.errors:
            form.unpublish_at.errors = ["Give the end date as a date and a time, or leave it empty."]
        return render_template("desk/publish.html", piece=piece, **{**desk_context(piece),
                                                                   "publish_form": form}), 400
    timezone = current_app.config["CMS_TIMEZONE"]
    at, until = (site_to_utc(value, timezone) if value else None
                 for value in (form.publish_at.data, form.unpublish_at.data))
    try:
        services.publish(piece, current_user, at, until)
    except services.PieceError as exc:
        db.session.rollback()
        getattr(form, exc.field).errors = [exc.message]
        return render_template("desk/publish.html", piece=piece, **{**desk_context(piece),
                                                                   "publish_form": form}), 400
    flash("Scheduled." if piece.is_scheduled else "Published.")
    return redirect(desk_url(piece))


@bp.route("/<int:piece_id>/unpublish", methods=["GET", "POST"])
@writer_required
def unpublish(piece_id: int) -> str | Response:
    """Take a piece off the site, after a confirmation step."""
    piece = editable_piece(piece_id)
    require(current_user, Action.PUBLISH_PIECE, piece)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.unpublish(piece, current_user)
        flash("Unpublished: the piece is no longer on any public page or feed.")
        return redirect(desk_url(piece))
    return render_template("desk/unpublish.html", piece=piece, form=form,
                           pending=revisions.pending_revision(piece))


@bp.route("/<int:piece_id>/delete", methods=["GET", "POST"])
@writer_required
def delete(piece_id: int) -> str | Response:
    """Delete as writers see it: to the trash, restorable by editors and admins."""
    piece = editable_piece(piece_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        trash_piece(piece, current_user)
        flash(f"Moved “{piece.title}” to the trash.")
        return redirect(url_for("desk.index"))
    return render_template("desk/delete.html", piece=piece, form=form)


@bp.route("/trash")
@writer_required
def trash() -> str:
    """Pieces in the trash (a writer: their own), with when and who, until they are purged."""
    pieces = db.paginate(trashed_pieces(current_user), page=requested_page(),
                         per_page=25, error_out=False)
    return render_template("desk/trash.html", pieces=pieces, expiry=trash_expiry)


@bp.route("/<int:piece_id>/restore", methods=["POST"])
@permission_required(Action.EDIT_ANY_PIECE)
def restore(piece_id: int) -> Response:
    piece = db.session.get(Piece, piece_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            restore_piece(piece, current_user)
        except services.PieceError as exc:
            db.session.rollback()
            flash(exc.message)
            return redirect(url_for("desk.trash"))
        flash(f"Restored “{piece.title}”.")
        return redirect(desk_url(piece))
    return redirect(url_for("desk.trash"))


def init_app(app: Flask) -> None:
    """The blueprint and the `desk_url` template global."""
    app.register_blueprint(bp)
    app.add_template_global(desk_url)
