"""Readers behind blocking: the static mirror (`mirror build`), the public pages it holds,
and the mirror awareness of the live site (/mirrors, /mirrors.json, Onion-Location)."""
