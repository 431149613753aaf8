"""The wheel carries templates/, static/ and migrations/ inside the package (cms/templates,
cms/static, cms/migrations), and installed on its own, away from the checkout, it migrates a
database and serves pages; a checkout keeps using its top-level folders.

The wheel is built from a copy of the checkout (setuptools builds in the source tree, and a
stale build/ there could hide a missing file), without setuptools warnings, and installed into
a fresh virtual environment in tmp_path. That environment sees the checkout's dependencies
through a .pth file naming this interpreter's site-packages, whose own .pth files (the
editable install's finder for the checkout's `cms` among them) Python does not run from there:
the only `cms` it can import is the wheel's, which the test checks.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import sysconfig
import time
import tomllib
import zipfile
from contextlib import closing
from pathlib import Path

from cms import create_app
from tests.conftest import base_config

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Top-level folder -> the package it ships as.
DATA_FOLDERS = {"templates": "cms.templates", "static": "cms.static", "migrations": "cms.migrations",
                "translations": "cms.translations"}
# What a build never sees: caches, the virtual environment, build output, local state.
NOT_SOURCE = (".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", "*.py[co]",
              "node_modules", ".pytest_cache", ".ruff_cache", ".hypothesis", "instance",
              "test-results", ".mypy_cache")
# setuptools' and distutils' warnings in `pip wheel -v` output (the backend's lines).
# (pip's own "WARNING:" lines, about its index settings, are not the backend's.)
SETUPTOOLS_WARNING = re.compile(r"[A-Za-z_]*Warning\b|Package would be ignored|absent from the `packages`"
                                r"|^\s*warning:", re.MULTILINE)


def _shipped(path: Path) -> bool:
    """A file or folder that belongs in the wheel: no cache, no hidden file."""
    return not any(part == "__pycache__" or part.startswith(".") or part.endswith((".pyc", ".pyo"))
                   for part in path.parts)


def _expected_packages() -> dict[str, Path]:
    """Every package the wheel needs, by name: cms and its subpackages, and each data folder
    with its subfolders. setuptools maps a folder to a package, and warns about (or leaves
    out) one that is not listed, as far as its path is made of identifiers."""
    found: dict[str, Path] = {}
    folders = {"cms": ROOT / "cms"} | {name: ROOT / top for top, name in DATA_FOLDERS.items()}
    for name, top in folders.items():
        for folder in [top, *sorted(p for p in top.rglob("*") if p.is_dir())]:
            relative = folder.relative_to(top)
            if not _shipped(relative) or not all(part.isidentifier() for part in relative.parts):
                continue
            if name == "cms" and folder != top and not any(folder.glob("*.py")):
                continue  # not a Python package (and nothing in cms/ ships as data)
            found[".".join([name, *relative.parts])] = folder
    return found


def test_every_shipped_folder_is_listed_in_pyproject() -> None:
    """A new template folder (or subpackage, or migrations folder) must be added to
    [tool.setuptools] packages, or setuptools warns and its files may not ship."""
    setuptools = PYPROJECT["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    expected = _expected_packages()
    missing = sorted(set(expected) - listed)
    assert not missing, (
        "pyproject.toml [tool.setuptools] packages lacks "
        + ", ".join(f"{name!r} (folder {expected[name].relative_to(ROOT)}/)" for name in missing))
    stale = sorted(listed - set(expected))
    assert not stale, f"pyproject.toml [tool.setuptools] packages lists folders that are gone: {stale}"
    assert setuptools["package-dir"] == {name: top for top, name in DATA_FOLDERS.items()}


def test_a_checkout_uses_its_top_level_folders(tmp_path: Path) -> None:
    app = create_app(base_config(tmp_path / "instance", f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    assert app.template_folder == str(ROOT / "templates")
    assert app.static_folder == str(ROOT / "static")
    assert app.extensions["migrate"].directory == str(ROOT / "migrations")


def test_lint_runs_the_pinned_ruff_over_the_migrations_too() -> None:
    """`make lint` (part of `make test`) is ruff at the version the test extras pin, and
    ruff's settings leave no folder out: the migrations are linted like the rest."""
    pins = [text for text in PYPROJECT["project"]["optional-dependencies"]["test"]
            if re.match(r"ruff\b", text)]
    assert len(pins) == 1 and re.fullmatch(r"ruff==[\w.]+", pins[0]), pins
    installed = _run([sys.executable, "-m", "ruff", "--version"]).stdout.split()[-1]
    assert pins[0] == f"ruff=={installed}", f"ruff {installed} is installed; run `make install`"
    listed = _run([sys.executable, "-m", "ruff", "check", "--show-files", "."], cwd=ROOT).stdout
    linted = {Path(line.strip()).resolve() for line in listed.splitlines() if line.strip()}
    for path in [*sorted((ROOT / "migrations").rglob("*.py")), ROOT / "cms" / "__init__.py"]:
        assert path.resolve() in linted, f"ruff check . leaves out {path.relative_to(ROOT)}"


def _run(command: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    options.setdefault("timeout", 120)
    result = subprocess.run(command, capture_output=True, text=True,  # type: ignore[call-overload]
                            **options)
    assert result.returncode == 0, (
        f"{' '.join(command)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE), symlinks=True)
    dist = tmp_path / "dist"
    # Without PYTHONDONTWRITEBYTECODE, whose only effect here is a distutils warning.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    built = _run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(dist), str(source)],
                 env=env, cwd=tmp_path)
    output = built.stdout + built.stderr
    warnings = sorted({line.strip() for line in output.splitlines() if SETUPTOOLS_WARNING.search(line)})
    assert not warnings, "building the wheel printed setuptools warnings:\n" + "\n".join(warnings)
    (wheel,) = dist.glob("campaign_cms-*.whl")
    # Every file of the data folders is in the wheel, under cms/, as it is in the checkout.
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for top in DATA_FOLDERS:
            files = [path for path in sorted((source / top).rglob("*"))
                     if path.is_file() and _shipped(path.relative_to(source))]
            assert files, f"{top}/ is empty"
            missing = [str(path.relative_to(source)) for path in files
                       if f"cms/{path.relative_to(source).as_posix()}" not in names]
            assert not missing, f"the wheel lacks {missing}"
            for path in files:
                assert archive.read(f"cms/{path.relative_to(source).as_posix()}") == path.read_bytes()
        assert any(name.startswith("cms/migrations/versions/") for name in names)
    return wheel


def _fresh_environment(tmp_path: Path, wheel: Path) -> Path:
    """A virtual environment with the wheel installed, seeing this one's dependencies."""
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
          str(wheel)])
    site_packages = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                              env=_clean_env()).stdout.strip())
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site_packages / "checkout_dependencies.pth").write_text(
        "".join(f"{path}\n" for path in sorted(ours)), encoding="utf-8")
    return python


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without the settings of the checkout or the test run."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CMS_", "FLASK_", "PYTHON", "VIRTUAL_ENV", "GUNICORN"))}
    return env | extra


INSTALLED_CHECK = """
import json, sys
import cms
from cms import create_app

app = create_app()
with app.test_client() as client:
    pages = {path: client.get(path).status_code for path in ("/healthz", "/", "/static/style.css")}
print(json.dumps({
    "cms": cms.__file__,
    "templates": app.template_folder,
    "static": app.static_folder,
    "migrations": app.extensions["migrate"].directory,
    "finders": [repr(finder) for finder in sys.meta_path],
    "pages": pages,
}))
"""


def _serve_with_gunicorn(python: Path, run: Path, env: dict[str, str]) -> tuple[int, str]:
    """GET /healthz from `gunicorn 'cms:create_app()'` on a Unix socket: (status, body)."""
    sock = run / "gunicorn.sock"
    log = (run / "gunicorn.log").open("w")
    env = env | {"HOME": str(run)}  # where newer gunicorns put a control socket
    server = subprocess.Popen([str(python), "-m", "gunicorn", "--workers", "1", "--bind", f"unix:{sock}",
                               "cms:create_app()"], cwd=run, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, (run / "gunicorn.log").read_text()
            connection = http.client.HTTPConnection("localhost", timeout=10)
            connection.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                connection.sock.settimeout(10)
                connection.sock.connect(str(sock))
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                return response.status, response.read().decode()
            except (FileNotFoundError, ConnectionRefusedError):
                assert time.monotonic() < deadline, (run / "gunicorn.log").read_text()
                time.sleep(0.2)
            finally:
                connection.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_the_wheel_installed_alone_migrates_and_serves(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    python = _fresh_environment(tmp_path, wheel)
    venv = python.parent.parent
    run = tmp_path / "elsewhere"  # the working directory: neither the checkout nor the environment
    run.mkdir()
    instance = tmp_path / "instance"
    env = _clean_env(CMS_INSTANCE_PATH=str(instance), CMS_SECRET_KEY="packaging test secret")

    _run([str(python), "-m", "flask", "--app", "cms", "db", "upgrade"], cwd=run, env=env)
    with closing(sqlite3.connect(instance / "cms.sqlite3")) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"pieces", "users", "comments", "alembic_version"} <= tables

    checked = json.loads(_run([str(python), "-c", INSTALLED_CHECK], cwd=run, env=env).stdout.splitlines()[-1])
    package = venv.resolve()
    assert Path(checked["cms"]).resolve().is_relative_to(package), checked["cms"]
    for name in ("templates", "static", "migrations"):
        assert Path(checked[name]) == Path(checked["cms"]).resolve().parent / name
    assert not any("editable" in finder for finder in checked["finders"]), checked["finders"]
    assert checked["pages"] == {"/healthz": 200, "/": 200, "/static/style.css": 200}

    status, body = _serve_with_gunicorn(python, run, env)
    assert (status, json.loads(body)) == (200, {"status": "ok", "database": "ok"})
