"""The Whoosh engine: an index folder per generation under instance/search, for one machine."""
