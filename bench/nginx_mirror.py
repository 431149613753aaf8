"""docs/deploy/nginx-mirror.conf as shipped, served on a port of 127.0.0.1 from a given mirror
folder (bench/run.py measures it, tests/test_deploy.py checks its headers)."""

from __future__ import annotations

import re
import subprocess
import time
import urllib.request
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / "docs" / "deploy" / "nginx-mirror.conf"


def served_config(root: Path, port: int, folder: Path) -> str:
    """The configuration with only these changed: the address, the root, the logs and pid file in
    `folder`, and the user (root can read any folder; www-data perhaps not a checkout)."""
    text = CONFIG.read_text()
    for pattern, replacement in [(r"^user .*;$", "user root;"), (r"listen 80;", f"listen 127.0.0.1:{port};"),
                                 (r"root /srv/cms-mirror;", f"root {root};"),
                                 (r"access_log \S+ private;", f"access_log {folder}/access.log private;")]:
        text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        if count != 1:
            raise ValueError(f"{CONFIG} no longer has one line matching {pattern!r}")
    return f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n" + text


def start(nginx: str, root: Path, port: int, folder: Path) -> subprocess.Popen[bytes]:
    """nginx in the foreground on 127.0.0.1:`port`, answering; stop it with terminate()."""
    config = folder / "nginx.conf"
    config.write_text(served_config(root, port, folder))
    server = subprocess.Popen([nginx, "-c", str(config), "-g", "daemon off;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=2) as answer:
                answer.read()
            return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.terminate()
                raise RuntimeError(f"nginx did not answer on port {port}: see {folder}/error.log") from None
            time.sleep(0.05)
