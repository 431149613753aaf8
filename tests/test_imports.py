"""The layering of cms/: no import cycle between its packages, and campaigns sit below pieces.

The imports are read with `ast`, never executed, and every one of them counts: top-level
imports, imports inside functions and classes, under `if TYPE_CHECKING:`, in try/except
blocks, absolute and relative.

The nodes of the graph are the direct subpackages of cms (cms.articles, cms.search, ...:
everything below one of them, e.g. a future cms/search/whoosh/, belongs to it) and the
top-level modules of cms (cms/config.py is cms.config; cms/__init__.py, the app factory,
is the node "cms"). An import of cms.articles.models is an edge to cms.articles;
`from cms import config` is an edge to cms.config because cms/config.py exists, while
`from cms import create_app` is an edge to "cms". Imports of other packages, and imports
of a node by itself, are not edges.

The checker takes the package folder and name as parameters, so the tests at the end run
it on small fake trees to show that it can fail, and how it names a cycle.
"""

from __future__ import annotations

import ast
import warnings
from collections import defaultdict, deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

CMS_ROOT = Path(__file__).parents[1] / "cms"
CMS_PACKAGE = "cms"

PIECE_PACKAGES = ("cms.articles", "cms.interviews", "cms.comments", "cms.search")
"""The packages that campaigns sit below: campaigns/ imports none of them."""


@dataclass(frozen=True, order=True)
class Import:
    """One imported name, where it is imported, and the module it resolves to."""

    path: str
    """The importing file, relative to the folder that holds the package (cms/articles/desk.py)."""
    line: int
    importer: str
    """The importing module (cms.articles.desk; cms.articles for cms/articles/__init__.py)."""
    target: str
    """The imported module, absolute (cms.campaigns.services)."""
    statement: str
    """The import as written, for one name (from ..campaigns import services)."""

    @property
    def location(self) -> str:
        """file:line of the import."""
        return f"{self.path}:{self.line}"


Graph = Mapping[str, Mapping[str, list[Import]]]
"""importer node -> imported node -> the imports that make that edge."""


# Reading the imports


def module_name(path: Path, root: Path, package: str) -> str:
    """The dotted name of the module in `path`, a .py file under the package folder `root`."""
    parts = [package, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_exists(name: str, root: Path, package: str) -> bool:
    """Whether the module or package `name` exists under the package folder `root`."""
    parts = name.split(".")
    if parts[0] != package:
        return False
    location = root.joinpath(*parts[1:])
    return location.with_suffix(".py").is_file() or location.is_dir()


def relative_base(importer: str, is_init: bool, level: int, module: str | None) -> str | None:
    """The absolute module that `from <level dots><module> import ...` in `importer` names.

    The dots count from the importer's package: the importer itself when it is an
    __init__.py, else its parent. None when the dots climb above the top package.
    """
    package = importer if is_init else importer.rpartition(".")[0]
    parts = package.split(".")
    if level - 1 >= len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    if module:
        base.append(module)
    return ".".join(base)


def imports_of_statement(
    node: ast.Import | ast.ImportFrom, importer: str, is_init: bool, root: Path, package: str
) -> Iterator[tuple[str, str]]:
    """(target module, statement text) for each name that one import statement imports.

    For `from X import name`, the target is X.name when that is a module of the package
    (`from cms import config` is cms.config), else X (`from cms import create_app` is cms).
    """
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name, f"import {alias.name}"
        return
    source = "." * node.level + (node.module or "")
    base = node.module if node.level == 0 else relative_base(importer, is_init, node.level, node.module)
    if base is None:
        return
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        target = candidate if alias.name != "*" and module_exists(candidate, root, package) else base
        yield target, f"from {source} import {alias.name}"


def parse(path: Path) -> ast.Module:
    """The syntax tree of a file; warnings (e.g. about escape sequences) do not matter here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return ast.parse(path.read_bytes(), filename=str(path))


def imports_in_file(path: Path, root: Path, package: str) -> Iterator[Import]:
    """Every import of a module of `package` in one file, wherever in the file it is."""
    importer = module_name(path, root, package)
    is_init = path.name == "__init__.py"
    shown = path.relative_to(root.parent).as_posix()
    for node in ast.walk(parse(path)):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        for target, statement in imports_of_statement(node, importer, is_init, root, package):
            if target.split(".")[0] == package:
                yield Import(shown, node.lineno, importer, target, statement)


def collect_imports(root: Path = CMS_ROOT, package: str = CMS_PACKAGE) -> list[Import]:
    """Every import of a module of `package` in every .py file under its folder `root`, sorted."""
    imports: list[Import] = []
    for path in sorted(root.rglob("*.py")):
        imports.extend(imports_in_file(path, root, package))
    return sorted(imports)


# The graph of nodes


def node_of(module: str, package: str = CMS_PACKAGE) -> str:
    """The node a module of `package` belongs to: the package itself or one of its direct children."""
    return ".".join(module.split(".")[:2]) if module != package else package


def build_graph(imports: list[Import], package: str = CMS_PACKAGE) -> dict[str, dict[str, list[Import]]]:
    """The edges between nodes, each with the imports that make it; no edge from a node to itself."""
    graph: dict[str, dict[str, list[Import]]] = defaultdict(lambda: defaultdict(list))
    for imp in imports:
        source, target = node_of(imp.importer, package), node_of(imp.target, package)
        if source != target:
            graph[source][target].append(imp)
    return {source: dict(targets) for source, targets in graph.items()}


def strongly_connected_components(graph: Graph) -> list[list[str]]:
    """Tarjan's algorithm: the strongly connected components of the graph, each sorted."""
    nodes = sorted(set(graph) | {target for targets in graph.values() for target in targets})
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = lowlink[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, {})):
            if target not in index:
                visit(target)
                lowlink[node] = min(lowlink[node], lowlink[target])
            elif target in on_stack:
                lowlink[node] = min(lowlink[node], index[target])
        if lowlink[node] == index[node]:
            component: list[str] = []
            while not component or component[-1] != node:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            components.append(sorted(component))

    for node in nodes:
        if node not in index:
            visit(node)
    return sorted(components)


def shortest_path(graph: Graph, start: str, goal: str, within: set[str]) -> list[str]:
    """The shortest path of nodes from `start` to `goal` (both included), staying inside `within`."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for target in sorted(graph.get(node, {})):
            if target in within and target not in previous:
                previous[target] = node
                queue.append(target)
    path: list[str] = []
    step: str | None = goal
    while step is not None:
        path.append(step)
        step = previous[step]
    return path[::-1]


def rotate(cycle: list[str]) -> tuple[str, ...]:
    """The cycle started at its smallest node, so that each cycle has one spelling."""
    start = cycle.index(min(cycle))
    return tuple(cycle[start:] + cycle[:start])


def cycles_of_component(graph: Graph, component: list[str]) -> list[tuple[str, ...]]:
    """Cycles that together take every edge inside a strongly connected component.

    For each edge a -> b of the component, the shortest cycle through it: a, then the
    shortest path from b back to a. Every edge that has to go to break the tangle is
    thus shown, without listing the (possibly exponentially many) other cycles.
    """
    members = set(component)
    cycles: set[tuple[str, ...]] = set()
    for source in component:
        for target in graph.get(source, {}):
            if target in members:
                back = shortest_path(graph, target, source, members)
                cycles.add(rotate([source, *back[:-1]]))
    return sorted(cycles, key=lambda cycle: (len(cycle), cycle))


def location_key(location: str) -> tuple[str, int]:
    """Sorts file:line by file, then by line as a number."""
    path, _, line = location.rpartition(":")
    return path, int(line)


def format_edge(graph: Graph, source: str, target: str) -> str:
    """`-> target (file:line, ...)`: an edge with where each of its imports is."""
    locations = sorted({imp.location for imp in graph[source][target]}, key=location_key)
    return f"-> {target} ({', '.join(locations)})"


def format_cycle(graph: Graph, cycle: tuple[str, ...]) -> str:
    """A cycle as a path back to its start, with the imports of each edge.

    e.g. "cms.articles -> cms.campaigns (cms/articles/desk.py:17) -> cms.articles
    (cms/campaigns/services.py:9)".
    """
    steps = [
        format_edge(graph, source, target)
        for source, target in zip(cycle, cycle[1:] + cycle[:1], strict=True)
    ]
    return " ".join([cycle[0], *steps])


def find_tangles(graph: Graph) -> list[tuple[list[str], list[str]]]:
    """Each tangle (strongly connected component of more than one node): its nodes and its cycles."""
    return [
        (component, [format_cycle(graph, cycle) for cycle in cycles_of_component(graph, component)])
        for component in strongly_connected_components(graph)
        if len(component) > 1
    ]


def cycle_report(root: Path = CMS_ROOT, package: str = CMS_PACKAGE) -> str:
    """A readable list of every import cycle between the nodes of a package; empty when there is none."""
    graph = build_graph(collect_imports(root, package), package)
    lines: list[str] = []
    for nodes, cycles in find_tangles(graph):
        lines.append(f"Tangle of {len(nodes)} nodes ({', '.join(nodes)}), {len(cycles)} cycle(s):")
        lines.extend(f"  {cycle}" for cycle in cycles)
    return "\n".join(lines)


def forbidden_imports(
    imports: list[Import], importer_node: str, forbidden: tuple[str, ...], package: str = CMS_PACKAGE
) -> list[str]:
    """`file:line: statement (-> node)` for each import from `importer_node` into a `forbidden` node."""
    return [
        f"{imp.location}: {imp.statement} (-> {node_of(imp.target, package)})"
        for imp in imports
        if node_of(imp.importer, package) == importer_node and node_of(imp.target, package) in forbidden
    ]


# The rules of cms/


def test_no_import_cycle_between_packages() -> None:
    """No import cycle between the subpackages and top-level modules of cms/."""
    report = cycle_report()
    assert not report, f"Import cycles between the packages of cms/:\n{report}"


def test_campaigns_sit_below_pieces() -> None:
    """campaigns/ imports nothing from articles/, interviews/, comments/ or search/."""
    offending = forbidden_imports(collect_imports(), "cms.campaigns", PIECE_PACKAGES)
    assert not offending, "cms/campaigns/ imports from the pieces above it:\n" + "\n".join(offending)


def test_articles_never_import_interviews_comments_or_search() -> None:
    """articles/ imports nothing from interviews/, comments/ or search/."""
    forbidden = ("cms.interviews", "cms.comments", "cms.search")
    offending = forbidden_imports(collect_imports(), "cms.articles", forbidden)
    message = "cms/articles/ imports from interviews, comments or search:\n"
    assert not offending, message + "\n".join(offending)


def test_the_checker_reads_the_real_package() -> None:
    """The walker does find the imports of cms/ (an empty graph would pass every rule)."""
    graph = build_graph(collect_imports())
    assert "cms.articles" in graph.get("cms", {}), "the app factory registers the articles blueprint"


# The checker itself, on fake trees


def write_tree(base: Path, files: dict[str, str]) -> Path:
    """Writes `files` (relative path -> source) under `base`; returns the folder of the package pkg."""
    for relative, source in files.items():
        path = base / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return base / "pkg"


CYCLIC_TREE = {
    "pkg/__init__.py": "import os\nimport pkgextra.a\nfrom flask import Flask\n",
    "pkg/a/__init__.py": "def load():\n    from pkg.b import x\n    return x\n",
    "pkg/b/__init__.py": "",
    "pkg/b/mod.py": (
        "from typing import TYPE_CHECKING\n\n"
        "if TYPE_CHECKING:\n"
        "    from pkg.a import y\n\n"
        "from . import other\n"
    ),
    "pkg/b/other.py": "",
    "pkg/c/__init__.py": "from . import views\n",
    "pkg/c/views.py": "from ..d import helpers\n",
    "pkg/d/__init__.py": "",
    "pkg/d/helpers.py": (
        "class Helper:\n"
        "    try:\n"
        "        from ..c.views import thing\n"
        "    except ImportError:\n"
        "        pass\n"
    ),
}


def test_checker_names_a_cycle_through_function_and_type_checking_imports(tmp_path: Path) -> None:
    """An import in a function and one under TYPE_CHECKING make a cycle, named with both edges."""
    root = write_tree(tmp_path, CYCLIC_TREE)
    tangles = find_tangles(build_graph(collect_imports(root, "pkg"), "pkg"))
    assert (["pkg.a", "pkg.b"], ["pkg.a -> pkg.b (pkg/a/__init__.py:2) -> pkg.a (pkg/b/mod.py:4)"]) in tangles


def test_checker_resolves_relative_imports(tmp_path: Path) -> None:
    """`from ..d import helpers` and `from ..c.views import thing` (in a class, in a try) make a cycle."""
    root = write_tree(tmp_path, CYCLIC_TREE)
    tangles = find_tangles(build_graph(collect_imports(root, "pkg"), "pkg"))
    cycle = "pkg.c -> pkg.d (pkg/c/views.py:1) -> pkg.c (pkg/d/helpers.py:3)"
    assert (["pkg.c", "pkg.d"], [cycle]) in tangles
    assert len(tangles) == 2


def test_checker_ignores_other_packages_and_self_imports(tmp_path: Path) -> None:
    """os, flask, pkgextra (a different package) and `from . import other` inside pkg.b are no edges."""
    root = write_tree(tmp_path, CYCLIC_TREE)
    graph = build_graph(collect_imports(root, "pkg"), "pkg")
    assert {source: sorted(targets) for source, targets in graph.items()} == {
        "pkg.a": ["pkg.b"],
        "pkg.b": ["pkg.a"],
        "pkg.c": ["pkg.d"],
        "pkg.d": ["pkg.c"],
    }


def test_checker_report_lists_every_cycle_of_a_tangle(tmp_path: Path) -> None:
    """A tangle of three nodes with two cycles reports both, each edge with all its imports."""
    root = write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "def create_app():\n    from pkg.a import views\n",
            "pkg/a/__init__.py": "",
            "pkg/a/views.py": "from pkg import create_app\nfrom pkg.b import x\nfrom pkg.b.mod import y\n",
            "pkg/b/__init__.py": "",
            "pkg/b/mod.py": "import pkg.a\n",
        },
    )
    assert cycle_report(root, "pkg") == (
        "Tangle of 3 nodes (pkg, pkg.a, pkg.b), 2 cycle(s):\n"
        "  pkg -> pkg.a (pkg/__init__.py:2) -> pkg (pkg/a/views.py:1)\n"
        "  pkg.a -> pkg.b (pkg/a/views.py:2, pkg/a/views.py:3) -> pkg.a (pkg/b/mod.py:1)"
    )


def test_checker_maps_top_level_modules_to_their_own_node(tmp_path: Path) -> None:
    """`from pkg import config` is an edge to pkg.config, `from pkg import make` one to pkg."""
    root = write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "from . import config\n\ndef make():\n    pass\n",
            "pkg/config.py": "",
            "pkg/a/__init__.py": "from pkg import config, make\nfrom .. import config as settings\n",
        },
    )
    graph = build_graph(collect_imports(root, "pkg"), "pkg")
    assert {source: sorted(targets) for source, targets in graph.items()} == {
        "pkg": ["pkg.config"],
        "pkg.a": ["pkg", "pkg.config"],
    }
    assert cycle_report(root, "pkg") == ""


def test_checker_finds_no_cycle_in_a_layered_tree(tmp_path: Path) -> None:
    """Imports that only go down make no cycle, and a deep subpackage belongs to its top package."""
    root = write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.search.whoosh.engine import Engine\n",
            "pkg/search/__init__.py": "",
            "pkg/search/whoosh/__init__.py": "from ... import models\n",
            "pkg/search/whoosh/engine.py": "from pkg.search import tools\nfrom pkg.models import Piece\n",
            "pkg/search/tools.py": "",
            "pkg/models.py": "",
        },
    )
    graph = build_graph(collect_imports(root, "pkg"), "pkg")
    assert {source: sorted(targets) for source, targets in graph.items()} == {
        "pkg": ["pkg.search"],
        "pkg.search": ["pkg.models"],
    }
    assert cycle_report(root, "pkg") == ""


def test_checker_names_forbidden_imports(tmp_path: Path) -> None:
    """A forbidden import is named with its file, line and statement, wherever it is in the file."""
    root = write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/low/__init__.py": "from pkg.shared import ok\n",
            "pkg/low/services.py": "def f():\n    if True:\n        from ..high.models import Piece\n",
            "pkg/high/models.py": "",
            "pkg/shared.py": "",
        },
    )
    offending = forbidden_imports(collect_imports(root, "pkg"), "pkg.low", ("pkg.high",), "pkg")
    assert offending == ["pkg/low/services.py:3: from ..high.models import Piece (-> pkg.high)"]


@pytest.mark.parametrize(
    ("importer", "is_init", "level", "module", "expected"),
    [
        ("cms.articles.desk", False, 1, "models", "cms.articles.models"),
        ("cms.articles", True, 1, "models", "cms.articles.models"),
        ("cms.articles.desk", False, 2, "campaigns", "cms.campaigns"),
        ("cms.articles.desk", False, 2, None, "cms"),
        ("cms.config", False, 1, None, "cms"),
        ("cms", True, 2, None, None),
    ],
)
def test_relative_imports_resolve_against_the_package(
    importer: str, is_init: bool, level: int, module: str | None, expected: str | None
) -> None:
    """The dots of a relative import count from the importer's package."""
    assert relative_base(importer, is_init, level, module) == expected
