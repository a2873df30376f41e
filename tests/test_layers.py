"""The house's layers only point down (docs/architecture.md), read from every module's imports.

Layers, lowest first; a module imports its own package or packages of lower layers only:

    0  bulletin, config      pure: bulletin imports nothing of ours
    1  store                 SQLite; imports bulletin only
    2  subscriptions         who follows what, the audience
    3  channels              WeChat in and out
    4  push, handlers        never each other
    5  web                   push only through its named interfaces
    6  commands              the CLI
    7  bot                   wires everything

Imports inside functions count too: a late import is still a dependency.
"""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
LAYERS = [{"bulletin", "config", "metrics"}, {"store"}, {"subscriptions"}, {"channels"},
          {"push", "handlers"}, {"web"}, {"commands"}, {"bot"}]
LAYER = {package: n for n, packages in enumerate(LAYERS) for package in packages}
# What an upper package may use of a lower one that is not plain storage or a library: the
# modules named here are that package's interface; the rest is its own business.
INTERFACES = {
    "push": {"push", "push.publish", "push.item_actions", "push.status", "push.worker", "push.plan"},
    "web": {"web", "web.demo"},
}
PURE = {"bulletin": set(), "config": set(), "metrics": set(),
        "store": {"bulletin", "config", "metrics"}}


def modules():
    """{module name: path} for every module of ours (tests, benches and scripts aside)."""
    found = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in (".venv", "tests", "bench", "scripts", "deploy"):
            continue
        name = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def imports(path, known):
    """Every module of ours that `path` imports (at any depth of the file)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from push import publish` depends on push.publish (a module), not on push's
            # __init__; `from push.plan import Message` on push.plan.
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known
                     else node.module for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def graph():
    known = modules()
    return {name: imports(path, known) - {name} for name, path in known.items()}


def top(name):
    return name.split(".")[0]


def test_every_package_has_a_layer():
    assert {top(name) for name in graph()} <= set(LAYER)


def test_imports_point_down_only():
    wrong = []
    for module, targets in graph().items():
        for target in targets:
            mine, theirs = top(module), top(target)
            if mine == theirs:
                continue
            if LAYER[theirs] >= LAYER[mine]:
                wrong.append(f"{module} -> {target} (layer {LAYER[mine]} -> {LAYER[theirs]})")
            elif mine in PURE and theirs not in PURE[mine]:
                wrong.append(f"{module} -> {target} ({mine} may import only {PURE[mine] or 'nothing'})")
            elif theirs in INTERFACES and target not in INTERFACES[theirs]:
                wrong.append(f"{module} -> {target} (not one of {theirs}'s interfaces)")
    assert wrong == []


def test_no_import_cycles():
    edges = graph()
    cycles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_rule_catches_an_upward_import(tmp_path):
    """The checker itself: a store module importing push is reported."""
    path = tmp_path / "bad.py"
    path.write_text("def f():\n    from push.publish import push_issue\n", encoding="utf-8")
    assert imports(path, {"push", "push.publish"}) == {"push.publish"}
