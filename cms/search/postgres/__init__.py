"""The PostgreSQL engine: full-text search in the database, written with each piece's transaction."""
