"""search in PostgreSQL: a weighted document per piece, the words for "Did you mean"

On PostgreSQL also the extensions unaccent and pg_trgm, the text search configurations
cms_english, cms_russian and cms_simple (unaccent first, stemmers without stop words, so that
every word is searchable as in the Whoosh engine) and cms_search_summary(), which keeps the
small part of a document that the first ranking reads. On SQLite the two tables only (plain
columns, never written: the schema has one source).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 22:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

VECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
WORD_TOKENS = ("asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part, "
               "hword_numpart")
# Words kept from the body in a summary, and positions kept per word (the ranking adds less
# and less for each further occurrence: ts_rank sums weight / n²).
SUMMARY_WORDS, SUMMARY_POSITIONS = 64, 4

SUMMARY = f"""
CREATE FUNCTION cms_search_summary(doc tsvector, stopwords regdictionary) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ts_filter(doc, '{{a,b,d}}') || coalesce((
    SELECT string_agg(format('''%s'':%s', replace(replace(lexeme, '\\', '\\\\'), '''', ''''''),
                             array_to_string(positions[1:{SUMMARY_POSITIONS}], 'C,') || 'C'), ' ')
    FROM (SELECT lexeme, positions FROM unnest(ts_filter(doc, '{{c}}'))
          WHERE ts_lexize(stopwords, lexeme) IS DISTINCT FROM '{{}}'
          ORDER BY cardinality(positions) DESC, lexeme LIMIT {SUMMARY_WORDS}) AS frequent
  )::tsvector, ''::tsvector)
$$
"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if _postgres():
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for language in ("english", "russian"):
            op.execute(f"CREATE TEXT SEARCH DICTIONARY cms_{language}_stem "
                       f"(TEMPLATE = snowball, Language = {language})")
        op.execute("CREATE TEXT SEARCH CONFIGURATION cms_english (COPY = english)")
        op.execute(f"ALTER TEXT SEARCH CONFIGURATION cms_english ALTER MAPPING FOR {WORD_TOKENS} "
                   "WITH unaccent, cms_english_stem")
        op.execute("CREATE TEXT SEARCH CONFIGURATION cms_russian (COPY = russian)")
        op.execute("ALTER TEXT SEARCH CONFIGURATION cms_russian ALTER MAPPING FOR asciiword, asciihword, "
                   "hword_asciipart WITH unaccent, cms_english_stem")
        op.execute("ALTER TEXT SEARCH CONFIGURATION cms_russian ALTER MAPPING FOR word, numword, hword, "
                   "numhword, hword_part, hword_numpart WITH unaccent, cms_russian_stem")
        op.execute("CREATE TEXT SEARCH CONFIGURATION cms_simple (COPY = simple)")
        op.execute(f"ALTER TEXT SEARCH CONFIGURATION cms_simple ALTER MAPPING FOR {WORD_TOKENS} "
                   "WITH unaccent, simple")
        op.execute(SUMMARY)
    op.create_table(
        "search_documents",
        sa.Column("piece_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("config", sa.String(length=20), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("unpublish_at", sa.DateTime(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("campaign_title", sa.String(length=300), nullable=False),
        sa.Column("tags", sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=120)), "postgresql"),
                  nullable=False),
        sa.Column("passages", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("document", VECTOR, nullable=False),
        sa.Column("summary", VECTOR, nullable=False),
        sa.ForeignKeyConstraint(["piece_id"], ["pieces.id"], name=op.f("fk_search_documents_piece_id_pieces"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("piece_id", name=op.f("pk_search_documents")),
    )
    op.create_index("ix_search_documents_document", "search_documents", ["document"],
                    postgresql_using="gin")
    if _postgres():  # what every search reads stays in the row (compressed if need be)
        for column in ("summary", "tags"):
            op.execute(f"ALTER TABLE search_documents ALTER COLUMN {column} SET STORAGE MAIN")
    op.create_table(
        "search_words",
        sa.Column("word", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_words")),
    )
    op.create_index("ix_search_words_trigrams", "search_words", ["word"], postgresql_using="gin",
                    postgresql_ops={"word": "gin_trgm_ops"})


def downgrade():
    op.drop_index("ix_search_words_trigrams", table_name="search_words")
    op.drop_table("search_words")
    op.drop_index("ix_search_documents_document", table_name="search_documents")
    op.drop_table("search_documents")
    if _postgres():
        op.execute("DROP FUNCTION cms_search_summary(tsvector, regdictionary)")
        for name in ("cms_english", "cms_russian", "cms_simple"):
            op.execute(f"DROP TEXT SEARCH CONFIGURATION {name}")
        for language in ("english", "russian"):
            op.execute(f"DROP TEXT SEARCH DICTIONARY cms_{language}_stem")
        # The extensions stay (other objects of the database may use them); IF NOT EXISTS makes
        # the upgrade safe to run again.
