"""The one composition root: picks adapters from settings and builds use cases.

One declarative container per business area, each built on the ones it uses
(infrastructure <- persistence <- notifications <- operations <- accounts, publishing;
persistence <- social); `Container` joins them, so every provider keeps one flat name
(`container.authenticate`, `container.uow`) for deps, the worker, the CLI and tests'
`.override(...)`). Typed policies come from `entrypoints.policies` (`login_limits(settings)`),
so no provider builds a `Rate` or a `timedelta` from numbers.

Infrastructure clients are sync-constructed singletons (creating an engine does no I/O), so
the container never turns async; each closable one registers itself when made and
`shutdown()` closes those, newest first. A unit of work is a Factory: one per use-case call.
Tests override providers instead of constructing adapters.
"""

from __future__ import annotations

from entrypoints.container.accounts import Accounts
from entrypoints.container.publishing import Publishing
from entrypoints.container.social import Social
from entrypoints.settings import Settings

__all__ = ["Container", "build_container", "shutdown"]


class Container(Accounts, Publishing, Social):
    """Every area's providers under one roof."""


def build_container(settings: Settings | None = None) -> Container:
    return Container(settings=settings or Settings())


async def shutdown(container: Container) -> None:
    """Close what the container opened. Safe to call when nothing was opened."""
    await container.opened().close_all()
