from __future__ import annotations

from typing import Protocol


class ConfusableSkeleton(Protocol):
    """A key under which texts a reader could take for one another collide: Unicode's
    confusable skeleton (UTS #39), e.g. Latin "a" and Cyrillic "a" (U+0430), "rn" and "m".

    Uniqueness of anything people read as a name (email addresses today, usernames next) holds
    on this key, whatever the case ("\ua4ee", Lisu, reads as "A" and so collides with "a").
    Pure and deterministic for one version of the confusables data; a new version may move
    skeletons, so stored ones are recomputed then (`python -m entrypoints.cli lookalikes
    --backfill` lists collisions, and rekeys only when there are none). Give it normalised
    text (NFKC, case-folded)."""

    def of(self, text: str) -> str: ...
