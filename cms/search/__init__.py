"""Search of the whole archive: a backend interface, the Whoosh backend, commit hooks, page, CLI."""
