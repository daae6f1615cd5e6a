"""The module layers of docs/architecture.md, checked on the source: imports flow one way (a module
imports only from its own layer or lower ones), no module imports itself round a cycle (not even
from inside a function), the page cache knows nothing of the content, and no app imports another
app's views or URLs."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("articles", "experts", "alerts", "pagecache")

# From the bottom: text and pagination helpers; models; what works on content (the write path,
# search, permissions, filters, importers...); what answers requests (views, admin, feeds, API).
LAYERS = [
    {
        "articles.richtext", "articles.pictures", "articles.search.query", "articles.pagination",
        "articles.lookups", "articles.bulk", "articles.addresses", "experts.names", "pagecache",
    },
    {"articles.models", "experts.models", "alerts.models"},
    {
        "articles.derived", "articles.permissions", "articles.search", "articles.maintenance",
        "articles.filters", "experts.filters", "articles.seo", "articles.citations", "articles.related",
        "articles.review", "articles.importers", "articles.signals", "experts.signals",
        "articles.tallies", "articles.references", "articles.linking",
        "alerts.matching", "alerts.mail", "alerts.tasks", "alerts.services", "alerts.backup",
    },
]  # fmt: skip
PRESENTATION = len(LAYERS)  # views, urls, admin, editorial, feeds, sitemaps, api, listing, commands


def layer(module):
    for number, names in enumerate(LAYERS):
        if any(module == name or module.startswith(name + ".") for name in names):
            return number
    return PRESENTATION


def modules():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            yield name, ast.parse(path.read_text(encoding="utf-8"))


def imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            for alias in node.names:  # "from articles import views"
                yield f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def ours(name):
    return name.split(".")[0] in APPS and name not in {
        "articles",
        "experts",
        "alerts",
    }  # "from articles import x": x


def known(name, names):
    return name in names or any(other.startswith(name + ".") for other in names)


def test_no_app_imports_another_apps_views_or_urls():
    wrong = [
        (module, imported)
        for module, tree in modules()
        for imported in imports(tree)
        if ours(imported)
        and imported.split(".")[0] != module.split(".")[0]
        and any(part in ("views", "urls") for part in imported.split(".")[1:])
    ]
    assert wrong == []


def test_imports_flow_one_way_through_the_layers():
    names = {module for module, _ in modules()}
    wrong = [
        (module, imported)
        for module, tree in modules()
        for imported in imports(tree)
        if ours(imported) and known(imported, names) and layer(imported) > layer(module)
    ]
    assert wrong == []


def test_every_module_is_placed_in_a_layer_on_purpose():
    """A new module below the presentation layer must be named in LAYERS (and in the docs)."""
    presentation = {"views", "urls", "admin", "editorial", "feeds", "sitemaps", "api", "listing", "forms"}
    unplaced = [
        module
        for module, _ in modules()
        if layer(module) == PRESENTATION
        and module.split(".")[-1] not in presentation
        and "management" not in module
        and module.split(".")[-1]
        not in {"apps", "context_processors", "templatetags", "__init__", "articles", "experts", "alerts"}
        and "templatetags" not in module
    ]
    assert unplaced == []


def module_of(name, names):
    """The module an imported name lives in ("articles.models.Article" -> "articles.models")."""
    while name and name not in names:
        name = name.rpartition(".")[0]
    return name


def test_no_module_imports_itself_round_a_cycle():
    """Counting the imports inside functions too: deferring an import hides a cycle, it does not end it."""
    trees = dict(modules())
    graph = {
        module: {module_of(name, trees) for name in imports(tree) if ours(name)} - {module, ""}
        for module, tree in trees.items()
    }
    graph = {module: {name for name in names if name in trees} for module, names in graph.items()}
    cycles = []
    for start in graph:  # a path back to `start` through what it imports
        seen, stack = set(), [(start, (start,))]
        while stack:
            module, path = stack.pop()
            for imported in graph[module]:
                if imported == start:
                    cycles.append(path)
                elif imported not in seen:
                    seen.add(imported)
                    stack.append((imported, (*path, imported)))
    assert cycles == []


def test_the_page_cache_imports_nothing_of_the_content():
    trees = dict(modules())
    imported = {
        name for module, tree in trees.items() if module.startswith("pagecache") for name in imports(tree)
    }
    assert {name for name in imported if name.split(".")[0] in ("articles", "experts", "alerts")} == set()
