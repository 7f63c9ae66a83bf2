"""The one exception every filter stage raises, carrying the culprit's position."""

from __future__ import annotations

from collections.abc import Callable


class FilterError(Exception):
    """A rejected display filter: message plus where (0-based column, length) in the text."""

    def __init__(self, message: str, column: int = 0, length: int = 1, text: str = "",
                 caret: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.length = max(1, length)
        self.text = text
        self.caret = caret  # False where tshark prints no caret line (regex errors)

    def caret_lines(self) -> str:
        """The filter text and a caret line under the culprit, as tshark prints them:
        tshark counts bytes of UTF-8, so a column after `é` is one further."""
        def width(s: str) -> int:
            return len(s.encode("utf-8", "surrogateescape"))

        start = width(self.text[:self.column])
        length = width(self.text[self.column:self.column + self.length]) if self.length > 1 \
            else 1
        return f"    {self.text}\n    {' ' * start}^{'~' * (length - 1)}"

    def __str__(self) -> str:
        return self.message


class LazyFilterError(FilterError):
    """A FilterError whose message is made when first read: an unknown name's "did you
    mean" hint compares it with every field name (~4 ms), and a caller that only asks
    whether a filter compiles never reads it (the colouring rules: six of Wireshark's
    defaults name protocols labshark lacks, ~0.04 CPU s before the view's first screen)."""

    def __init__(self, make: Callable[[], str], column: int = 0, length: int = 1,
                 text: str = "") -> None:
        super().__init__("", column, length, text)
        self._make: Callable[[], str] | None = make

    @property  # type: ignore[override]
    def message(self) -> str:
        if self._make is not None:
            self._message, self._make = self._make(), None
        return self._message

    @message.setter
    def message(self, value: str) -> None:
        self._message, self._make = value, None

    def __reduce__(self) -> tuple:  # (pickled as the plain error it reads as)
        return (FilterError, (self.message, self.column, self.length, self.text, self.caret))
