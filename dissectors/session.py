"""Per-capture dissection state: conversations, stream tables, preferences.

Everything that depends on earlier packets (TCP streams, IP reassembly, TFTP
transfers, request/response pairing) lives here, never in module globals, so two
captures dissected in one process never see each other's state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Session:
    """State for one pass over one capture."""

    def __init__(self, *, two_pass: bool = False,
                 decode_as: dict[tuple[str, int], str] | None = None,
                 revisit: bool = True) -> None:
        self.two_pass = two_pass
        # Revisit mode keeps what the first pass learnt per frame (request/response
        # links, reassembly marks) for a frame dissected again (-2's second pass); a
        # one-pass run (revisit=False, set by the Job) drops it once the frame is done,
        # so memory stays bounded by conversations, not frames.
        self.revisit = revisit or two_pass
        self.pass_no = 1
        self.decode_as = dict(decode_as or {})
        self.first_ts: int | None = None
        self.prev_ts: int | None = None
        self.prev_disp_ts: int | None = None
        self._state: dict[str, Any] = {}
        self.current_proto = "frame"
        # Show labshark's own items (*.labshark.*) in the tree; off to diff with tshark.
        self.show_ours = True
        # The run prints packet trees (-V, JSON): see Packet.tree_visible.
        self.tree_visible = True
        # Whether tshark would build a tree in this run (Job.tshark_tree): see
        # packet.tshark_has_tree; None: judged from the fields the run reads.
        self.tshark_tree: bool | None = None
        # The fields a full dissection indexes (Job.indexed, Packet.indexed); None: all.
        self.indexed: frozenset[str] | None = None
        # How the frames were gone through (tests watch these: the compiled build calls
        # no function patched in from outside): dissected with a tree or tree-less
        # (frame.dissect), accounted for by skipping.skip or by skipping.pass_over.
        self.trees = 0
        self.treeless = 0
        self.skipped = 0
        self.passed_over = 0

    @property
    def recording(self) -> bool:
        """Whether per-frame links are kept for a later revisit of the same frame."""
        return self.revisit and self.pass_no == 1

    def state(self, name: str, factory: Callable[[], T]) -> T:
        """The state object of protocol `name`, created on first use."""
        s = self._state.get(name)
        if s is None:
            s = self._state[name] = factory()
        return s

    def start_second_pass(self) -> None:
        """Keep what the first pass learnt (under "pass1:" keys), reset the rest."""
        self.pass_no = 2
        self.first_ts = self.prev_ts = self.prev_disp_ts = None
        kept = {k: v for k, v in self._state.items() if k.startswith("pass1:")}
        self._state = kept
