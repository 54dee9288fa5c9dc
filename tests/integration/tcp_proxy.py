"""A TCP proxy on loopback that a test puts in front of the shared Postgres and controls.

- `forward()`: bytes flow both ways (also how a paused proxy resumes: held bytes go on).
- `refuse()`: Postgres "stopped": every open connection is cut and new ones are refused.
- `black_hole()`: a hung server or a network partition: connections are accepted and kept,
  but no byte moves either way until `forward()`.

It runs its own event loop in a thread, so the test's loop (or a blocking call in the test)
never stalls the traffic it relays. Only this proxy is ever stopped: the server behind it,
which other tests share, is not touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, Literal

Mode = Literal["forward", "refuse", "black_hole"]


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, port: int) -> None:
        self.target = (target_host, target_port)
        self.port = port
        self.mode: Mode = "forward"
        self.accepted = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._flowing: asyncio.Event | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    # ------------------------------------------------------------ control (from any thread)

    def start(self) -> None:
        self._thread.start()
        self._call(self._start())

    def forward(self) -> None:
        self._call(self._set_mode("forward"))

    def refuse(self) -> None:
        self._call(self._set_mode("refuse"))

    def black_hole(self) -> None:
        self._call(self._set_mode("black_hole"))

    def close(self) -> None:
        self._call(self._set_mode("refuse"))
        self._call(self._cancel_tasks())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def _call(self, coro: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(5)

    # ------------------------------------------------------------ inside the proxy's loop

    async def _start(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        await self._listen()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )

    async def _set_mode(self, mode: Mode) -> None:
        assert self._flowing is not None
        self.mode = mode
        if mode == "refuse":
            if self._server is not None:
                self._server.close()  # new connections: ECONNREFUSED, as from a stopped server
                self._server = None
            for writer in list(self._writers):  # open ones are cut
                writer.transport.abort()
            self._writers.clear()
        elif self._server is None:
            await self._listen()
        if mode == "black_hole":
            self._flowing.clear()
        else:
            self._flowing.set()

    async def _cancel_tasks(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.transport.abort()
            return
        pair = (client_w, server_w)
        self._writers.update(pair)
        try:
            await asyncio.gather(self._pump(client_r, server_w), self._pump(server_r, client_w))
        finally:
            for writer in pair:
                self._writers.discard(writer)
                writer.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._flowing is not None
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                await self._flowing.wait()  # black hole: the bytes are held, not passed on
                if writer.transport.is_closing():
                    break
                writer.write(data)
                await writer.drain()
        writer.transport.abort()  # one side ended: so does the other
