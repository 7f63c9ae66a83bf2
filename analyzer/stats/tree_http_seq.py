"""`-z http_seq,tree`: tshark 4.0's "HTTP/Request Sequences", a best-effort tree of
which request led to which (packet-http.c's referer statistics), on
analyzer/stats/tree.py.

A request with a Referer ticks the referer's node (new ones under the root) and the
request's full URI under it; a response with a Location ticks the request's URI and
the resolved target under it (the Location cut as tshark 4.0 cuts it). Then every node from the referer up to the root is
ticked again (so a referer counts twice per request, as in tshark). A URI names the
node it was last ticked as: later requests hang under that one.
"""

from __future__ import annotations

from analyzer.stats.tree import Kind, Node, Tree, declare, register_kinds
from analyzer.stats.tree_app import _Fields, _messages

ROOT = "HTTP Request Sequences"


class _Sequences:
    """packet-http.c's three maps: URI -> latest node, node -> URI, node -> parent."""

    def __init__(self, root: Node) -> None:
        self.node_of: dict[str, Node] = {ROOT: root}
        self.uri_of: dict[int, str] = {id(root): ROOT}
        self.parent_of: dict[int, Node | None] = {id(root): None}  # None: the tree's root


def _init(tree: Tree) -> None:
    tree.state = _Sequences(tree.top(ROOT))


def _state(tree: Tree) -> _Sequences:
    state = tree.state
    assert isinstance(state, _Sequences)
    return state


def _tick_referer(tree: Tree, referer: str) -> Node:
    seq = _state(tree)
    node = seq.node_of.get(referer)
    if node is None:
        root = seq.node_of[ROOT]
        node = tree.tick_name(root, referer)
        seq.node_of[referer] = node
        seq.uri_of[id(node)] = referer
        seq.parent_of[id(node)] = root
        return node
    parent = seq.parent_of[id(node)]
    return tree.tick_name(parent if parent is not None else tree.root, referer)


def _tick_request(tree: Tree, uri: str, referer: Node) -> None:
    seq = _state(tree)
    node = tree.tick_name(referer, uri)
    if id(node) not in seq.uri_of:
        seq.uri_of[id(node)] = uri
        seq.parent_of[id(node)] = referer
    seq.node_of[seq.uri_of[id(node)]] = node


def _tick_up(tree: Tree, node: Node) -> None:
    """Tick each node from `node` up to the root again, by name under its parent."""
    seq = _state(tree)
    current: Node | None = node
    while current is not None and id(current) in seq.parent_of:
        parent = seq.parent_of[id(current)]
        tree.tick_name(parent if parent is not None else tree.root, seq.uri_of[id(current)])
        current = parent


def location_target(base: str, location: str) -> str | None:
    """The Location resolved against the request's URI, with packet-http.c's shortcuts
    (not RFC 3986's whole algorithm); None where it gives up."""
    if "://" not in base:
        return None
    if location == "":
        return base
    if location.startswith("//"):
        scheme = base.split(":", 1)[0]
        ok = scheme[:1].isalpha() and all(c.isalnum() or c in "+-." for c in scheme)
        return f"{scheme}:{location}" if ok else None
    if "://" in location:
        return location
    base = base.split("#", 1)[0].split("?", 1)[0]
    if location.startswith("?"):
        return base + location
    after = base.index("://") + 3
    if location.startswith("/"):
        end = base.find("/", after)
        if after >= len(base) or end < 0:
            return None
        return base[:end] + location
    slash = base.rfind("/", after)
    return f"{base[:slash]}/{location}" if slash >= 0 else f"{base}/{location}"


def _location(m: _Fields) -> str | None:
    """The Location value as tshark 4.0's tap gets it: cut to as many characters as
    the value's offset in the message (a length mix-up in packet-http.c), so a long
    Location early in the headers is shortened."""
    item = m.items.get("http.location")
    if item is None:
        return None
    value = str(item.value)
    start = item.offset - m.offset + len("Location: ")
    return value[:max(start, 0)]


def _packet(tree: Tree, m: _Fields) -> None:
    location, base = _location(m), m.value("http.response_for.uri", None)
    if location is not None and base is not None:
        target = location_target(str(base), str(location))
        if target is not None:
            referer = _tick_referer(tree, str(base))
            _tick_request(tree, target, referer)
            _tick_up(tree, referer)
    referer_uri, full = m.value("http.referer", None), m.value("http.request.full_uri", None)
    if m.value("http.request.method", None) is not None and referer_uri is not None \
            and full is not None:
        referer = _tick_referer(tree, str(referer_uri))
        _tick_request(tree, str(full), referer)
        _tick_up(tree, referer)


declare(Kind("http_seq", "HTTP/Request Sequences", _messages("http"), _packet, _init))
register_kinds(["http_seq"])
