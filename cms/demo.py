"""`flask demo`: a demo campaign, articles and accounts, loaded once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from io import BytesIO

import click
from flask.cli import with_appcontext
from PIL import Image as PILImage
from PIL import ImageDraw

from cms.accounts import services as accounts
from cms.accounts.models import User
from cms.articles import services as pieces
from cms.articles import translations
from cms.articles.images import store_image
from cms.articles.revisions import head_revision
from cms.campaigns import services as campaigns
from cms.database import utcnow
from cms.interviews import services as interviews
from cms.permissions import Role
from cms.slugs import make_slug

CAMPAIGN_SLUG = "internet-rights-are-human-rights"

# Demo accounts for a local try-out only: never load the demo on a public site.
ACCOUNTS = [
    ("admin@example.org", "Ada Admin", Role.ADMIN, "demo-admin-password"),
    ("editor@example.org", "Edda Editor", Role.EDITOR, "demo-editor-password"),
    ("writer@example.org", "Wren Writer", Role.WRITER, "demo-writer-password"),
    ("moderator@example.org", "Mo Moderator", Role.MODERATOR, "demo-moderator-password"),
]

ARTICLES = [
    {
        "title": "Why a blocked website is a human-rights question",
        "standfirst": "When a government switches off a news site, it silences readers as well "
        "as writers.",
        "topics": ["Freedom of expression", "Censorship"],
        "countries": ["Azerbaijan"],
        "body": (
            "The right to seek and receive information is written into Article 19 of the "
            "Universal Declaration of Human Rights.[^1] It does not stop at the border of a "
            "newspaper's printing press, and it does not stop at a router either.\n\n"
            "## What blocking does\n\n"
            "A blocked site keeps publishing, but its readers must learn to use circumvention "
            "tools, and many never do. Those who do are often the readers most at risk.\n\n"
            "## What readers can do\n\n"
            "* keep a copy of the pages that matter to you;\n"
            "* subscribe to the feed, which travels more easily than a web page;\n"
            "* tell others where the mirrors are.\n\n"
            "[^1]: Universal Declaration of Human Rights, Article 19: \"Everyone has the right "
            "to freedom of opinion and expression; this right includes freedom to hold opinions "
            "without interference and to seek, receive and impart information and ideas "
            "through any media and regardless of frontiers.\""
        ),
    },
    {
        "title": "A year of digital security trainings in the South Caucasus",
        "standfirst": "Forty workshops, three languages, one lesson: security is a habit, "
        "not a tool.",
        "topics": ["Digital security"],
        "countries": ["Armenia", "Georgia"],
        "image": True,
        "body": (
            "Over twelve months our trainers met journalists, lawyers and activists in small "
            "groups. Each workshop began with the same question: *who would want to read your "
            "messages, and what could they do with them?*\n\n"
            "| Workshops | Participants | Languages |\n|---|---|---|\n| 40 | 612 | 3 |\n\n"
            "The answers shaped everything else: which apps to install, which to remove, and "
            "when to leave the phone at home."
        ),
    },
    {
        "title": "Свобода слова в сети — тоже свобода слова",
        "standfirst": "Права человека не заканчиваются там, где начинается интернет.",
        "language": "ru",
        "topics": ["Freedom of expression"],
        "countries": ["Russia"],
        "body": (
            "Когда блогера задерживают за пост, это такое же нарушение свободы слова, как "
            "закрытие газеты. Международные стандарты не делают различия между печатным "
            "словом и словом, опубликованным в сети.\n\n"
            "Мы собираем истории людей, которые продолжают писать, несмотря на давление."
        ),
    },
]


def _demo_image() -> BytesIO:
    """A small generated picture, so the demo needs no file from anywhere."""
    picture = PILImage.new("RGB", (960, 540), (32, 74, 135))
    draw = ImageDraw.Draw(picture)
    for step in range(0, 960, 60):
        draw.line([(step, 540), (step + 270, 0)], fill=(250, 200, 60), width=6)
    out = BytesIO()
    picture.save(out, format="PNG")
    out.seek(0)
    return out


# The first article in Russian: a translation, so a new site shows linked languages at once.
TRANSLATION = pieces.PieceData(
    title="Почему заблокированный сайт — вопрос прав человека",
    standfirst="Когда власти отключают новостной сайт, они заставляют замолчать не только "
    "авторов, но и читателей.",
    language="ru",
    body_source=(
        "Право искать и получать информацию закреплено в статье 19 Всеобщей декларации прав "
        "человека.[^1] Оно не заканчивается у печатного станка газеты и не заканчивается у "
        "маршрутизатора.\n\n"
        "## Что делает блокировка\n\n"
        "Заблокированный сайт продолжает выходить, но его читателям приходится осваивать "
        "средства обхода блокировок, и многие так и не осваивают. А те, кто осваивает, часто "
        "рискуют больше всех.\n\n"
        "## Что могут сделать читатели\n\n"
        "* сохранять копии важных для вас страниц;\n"
        "* подписаться на ленту, которая проходит легче, чем веб-страница;\n"
        "* рассказывать другим, где находятся зеркала.\n\n"
        "[^1]: Всеобщая декларация прав человека, статья 19: «Каждый человек имеет право на "
        "свободу убеждений и на свободное выражение их; это право включает свободу "
        "беспрепятственно придерживаться своих убеждений и свободу искать, получать и "
        "распространять информацию и идеи любыми средствами и независимо от государственных "
        "границ»."
    ),
)


def _load_demo_translation() -> bool:
    """The first article's Russian translation, once; False when it is there already."""
    original = pieces.public_piece(make_slug(ARTICLES[0]["title"]))
    writer = accounts.find_by_email("writer@example.org")
    if original is None or writer is None or "ru" not in translations.missing_languages(original):
        return False
    draft = translations.translate(original, writer, "ru")
    head = head_revision(draft)
    data = replace(TRANSLATION, campaign_id=original.campaign_id, bylines=head.credits if head else "",
                   topics=[t.name for t in original.topics], countries=[t.name for t in original.countries],
                   note="Translated for the demo")
    pieces.update_piece(draft, writer, data)
    pieces.publish(draft, writer, utcnow() - timedelta(hours=6))
    return True


def load_demo() -> bool:
    """Create the demo content; False when it is already there (nothing changes)."""
    existing = campaigns.by_slug(CAMPAIGN_SLUG)
    if existing is not None:  # parts added to demos loaded before them
        added = _load_demo_interview(existing.id)
        return _load_demo_translation() or added
    users: dict[Role, User] = {}
    for email, name, role, password in ACCOUNTS:
        users[role] = accounts.find_by_email(email) or accounts.create_user(email, name, role, password)
    campaign = campaigns.save_campaign(users[Role.EDITOR], campaigns.CampaignData(
        title="Internet rights are human rights",
        slug=CAMPAIGN_SLUG,
        description="Articles and interviews about the people who defend free expression, "
        "privacy and access to information online.",
        attribution="This article is part of the Internet rights are human rights campaign, "
        "financed by the Demo Foundation for Open Societies.",
        licence_name="CC BY-SA 3.0",
        licence_url="https://creativecommons.org/licenses/by-sa/3.0/",
    ))
    now = utcnow()
    for age, spec in enumerate(ARTICLES):
        data = pieces.PieceData(
            title=spec["title"], standfirst=spec["standfirst"], body_source=spec["body"],
            language=spec.get("language", "en"), campaign_id=campaign.id,
            topics=spec["topics"], countries=spec["countries"],
        )
        if spec.get("image"):
            data.image = store_image(
                _demo_image(),
                alt_text="Yellow diagonal lines on a blue background",
                caption="Workshop materials, drawn for this demo.",
                credit="Demo Foundation",
                licence_name="CC BY-SA 3.0",
                licence_url="https://creativecommons.org/licenses/by-sa/3.0/",
            )
        piece = pieces.create_piece(users[Role.WRITER], data)
        pieces.publish(piece, users[Role.WRITER], now - timedelta(days=3 * (len(ARTICLES) - age)))
    _load_demo_interview(campaign.id)
    _load_demo_translation()
    return True


# An interview written for this demo: the people and the organisation are invented.
INTERVIEW_TITLE = "“We kept the archive alive”: two editors on running a news site under blocking"
INTERVIEW_TRANSCRIPT = """\
Leyla and Mark run a small independent news site that has been blocked twice. We asked them
what blocking changes for a newsroom, and what readers can do about it.

The conversation took place in English and Russian; the Russian answer is kept as it was said.

Wren Writer (WW): How did you learn that the site was blocked the first time?

Leyla Mammadova (LM): From our readers, not from any court. One morning the messages started:
the page does not open, is it only me? By noon we had fifty of them.

We had no order to appeal against, because nobody had sent us one.[^order] So the first
week went into proving that the blocking existed at all: screenshots, tests from different
providers, letters to the regulator that were never answered.

WW: What did you change in the newsroom after that?

Mark Sokolov (MS): Мы перестали зависеть от одного адреса. Теперь у нас есть зеркала,
рассылка и лента, и читатели знают, где нас искать, если главный сайт снова пропадёт.

Самое важное — архив. Если архив исчезнет, исчезнет и память о том, что происходило.

WW: What would you ask readers to do?

LM: Subscribe to the feed, keep copies of the articles that matter to you, and share the
mirror addresses with people you trust rather than on public pages.

[^order]: Blocking decisions in many countries are not published, which makes them hard to
challenge in court.
"""


def _load_demo_interview(campaign_id: int) -> bool:
    """The demo interview, once; False when it is there already."""
    if interviews.interview_by_slug(make_slug(INTERVIEW_TITLE)) is not None:
        return False
    writer = accounts.find_by_email("writer@example.org")
    if writer is None:
        return False
    piece = interviews.create_interview(writer, pieces.PieceData(
        title=INTERVIEW_TITLE,
        standfirst="Blocked twice, still publishing: what a newsroom learns when its readers "
        "lose the front door.",
        body_source=INTERVIEW_TRANSCRIPT, campaign_id=campaign_id, bylines="Wren Writer (interviewer)",
        topics=["Censorship", "Freedom of expression"], countries=["Azerbaijan"],
    ))
    interviews.confirm_participants(piece, writer, {
        "LM": interviews.ParticipantEdit("interviewee", "Editor-in-chief of an independent news "
                                         "site (an invented person, for this demo)."),
        "MS": interviews.ParticipantEdit("interviewee", "Technical editor of the same site "
                                         "(invented for this demo)."),
    })
    pieces.publish(piece, writer, utcnow() - timedelta(days=1))
    return True


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo campaign, articles and accounts (once; again changes nothing)."""
    if load_demo():
        click.echo(f"demo content loaded: campaign /campaigns/{CAMPAIGN_SLUG}")
    else:
        click.echo("demo content already loaded: nothing changed")
    click.echo("demo accounts (for trying the site locally; never on a public site):")
    for email, _name, role, password in ACCOUNTS:
        click.echo(f"  {role:<10} {email:<24} password: {password}")
