"""Contributors on the desk at /desk/contributors: editors and admins set each credited
person's name, short bio and link (people are added by naming them in a byline)."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from cms.articles import credits
from cms.articles.forms import ContributorForm
from cms.articles.models import Contributor
from cms.extensions import db
from cms.permissions import Action, permission_required
from cms.rules import RuleError

bp = Blueprint("contributors", __name__, url_prefix="/desk/contributors")
editors_only = permission_required(Action.EDIT_ANY_PIECE)


@bp.route("/")
@editors_only
def index() -> str:
    return render_template("desk/contributors.html", contributors=credits.all_contributors())


@bp.route("/<int:contributor_id>/edit", methods=["GET", "POST"])
@editors_only
def edit(contributor_id: int) -> str | Response:
    contributor = db.session.get(Contributor, contributor_id) or abort(404)
    form = ContributorForm(obj=contributor if request.method == "GET" else None)
    if form.validate_on_submit():
        data = credits.ContributorData(name=form.name.data or "", bio=form.bio.data or "",
                                       link=form.link.data or "")
        try:
            credits.update_contributor(current_user, contributor, data)
        except RuleError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors = [exc.message]
        else:
            flash(f"Saved {contributor.name}.")
            return redirect(url_for("contributors.index"))
    return render_template("desk/contributor_edit.html", contributor=contributor, form=form)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
