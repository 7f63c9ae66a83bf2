"""`-T json`: tshark's JSON layout (`_source.layers`, values as display strings)."""

from __future__ import annotations

import json
from typing import Any

from dissectors.format import field_text
from dissectors.packet import Item, Packet


def _add(obj: dict[str, Any], key: str, value: Any) -> None:
    """Repeated keys become lists, as tshark does for several occurrences."""
    if key in obj:
        old = obj[key]
        if isinstance(old, list) and getattr(old, "_multi", False):
            old.append(value)
        else:
            lst = _Multi([old, value])
            obj[key] = lst
    else:
        obj[key] = value


class _Multi(list):
    _multi = True


def _node(items: list[Item]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for it in items:
        if it.hidden:
            continue
        if it.field is None:
            key = it.text or ""
            _add(out, key, _node(it.children or []))
            continue
        key = it.field.abbrev
        val = field_text(it.field, it.value) if it.field.type.value != "FT_PROTOCOL" else None
        if it.children:
            if val is not None and val != "":
                _add(out, key, val)
                _add(out, key + "_tree", _node(it.children))
            else:
                _add(out, key, _node(it.children))
        else:
            _add(out, key, val if val is not None else "")
    return out


def packet_json(pkt: Packet) -> dict[str, Any]:
    layers: dict[str, Any] = {}
    for top in pkt.tree:
        if top.field is None:
            continue
        _add(layers, top.field.abbrev, _node(top.children or []))
    return {"_index": "packets", "_type": "doc", "_score": None,
            "_source": {"layers": layers}}


def dumps(pkt: Packet) -> str:
    return json.dumps(packet_json(pkt), indent=2, ensure_ascii=False)
