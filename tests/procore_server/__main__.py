"""python -m tests.procore_server: serve the local Procore on a free port of 127.0.0.1 and
print "port N" once listening."""

from __future__ import annotations

import asyncio
import socket

from aiohttp import web

from tests.procore_server.app import make_app


async def serve() -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    runner = web.AppRunner(make_app(), access_log=None)
    await runner.setup()
    site = web.SockSite(runner, listener)
    await site.start()
    print(f"port {listener.getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve())
