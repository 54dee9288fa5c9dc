"""What the container opened and how to close it: `shutdown` closes from this list."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from dependency_injector import providers

T = TypeVar("T")
Close = Callable[[T], Awaitable[None] | None]


class OpenedResources:
    """Each closable singleton adds itself here when it is made, so shutdown closes what was
    made (never opens a client only to close it), newest first: a client's user before the
    client it uses."""

    def __init__(self) -> None:
        self._closers: list[Callable[[], Awaitable[None] | None]] = []

    def add(self, resource: T, close: Close[T]) -> T:
        self._closers.append(partial(close, resource))
        return resource

    async def close_all(self) -> None:
        while self._closers:
            closed = self._closers.pop()()
            if inspect.isawaitable(closed):
                await closed


def _opened(resources: OpenedResources, resource: T, close: Close[T]) -> T:
    return resources.add(resource, close)


def closed_on_shutdown(
    resources: providers.Provider[OpenedResources],
    close: Close[T],
    make: providers.Provider[T],
) -> providers.Singleton[T]:
    """A singleton made by `make` that `shutdown` closes with `close`, if it was made.
    (An override is the overrider's to close: it never passes through here.)"""
    singleton: providers.Singleton[T] = providers.Singleton(_opened, resources, make, close)
    return singleton
