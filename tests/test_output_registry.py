"""The `-T` formats registry (analyzer/output/formats.py): -T offers exactly its
names, each name builds a writer with packet()/close(), and a format added to it is
the one `open_output` builds."""

from __future__ import annotations

import importlib
import io
import sys
import types
from types import SimpleNamespace

import pytest

from analyzer.options import build_parser
from analyzer.output import formats
from analyzer.output.formats import FORMATS, Output, open_output


def test_minus_T_offers_exactly_the_registered_formats() -> None:
    action = next(a for a in build_parser()._actions if "-T" in a.option_strings)
    assert tuple(action.choices) == tuple(FORMATS) == ("text", "fields", "tabs", "json",
                                                       "jsonraw", "ek", "pdml", "psml")


@pytest.mark.parametrize("name", list(FORMATS))
def test_each_format_is_an_output(name: str) -> None:
    module, _, cls = FORMATS[name].partition(":")
    writer = getattr(importlib.import_module(module), cls)
    assert issubclass(writer, Output)
    assert callable(writer.packet) and callable(writer.close)


def test_a_registered_format_is_the_one_built(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = types.ModuleType("demo_output")

    class Demo(Output):
        def packet(self, pkt) -> None:  # noqa: ANN001
            self.out.write(f"pkt {pkt}\n")

    mod.Demo = Demo  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "demo_output", mod)
    monkeypatch.setitem(formats.FORMATS, "demo", "demo_output:Demo")
    out = io.StringIO()
    writer = open_output(SimpleNamespace(output="demo", netmask=None), None, out)
    writer.packet("x")
    writer.close()
    assert isinstance(writer, Demo) and out.getvalue() == "pkt x\n"


def test_a_bad_netmask_is_refused_whatever_the_format() -> None:
    from analyzer.errors import UsageError

    for name in FORMATS:
        opts = SimpleNamespace(output=name, netmask="nonsense", color="never",
                               layer_filter=None)
        with pytest.raises(UsageError, match="--netmask nonsense"):
            open_output(opts, None, io.StringIO())
