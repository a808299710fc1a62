"""`aica run`: the embedded stack until SIGTERM or Ctrl-C (also during start-up) or the worker's
exit, then everything it started is stopped (aica.embedded.EmbeddedStack.stop, bounded)."""
from __future__ import annotations

import asyncio
import signal
import sys

from aica.embedded import START_STEPS, EmbeddedStack
from streams.settings import Settings


async def start_with_progress(stack: EmbeddedStack) -> EmbeddedStack:
    from aica.progress import steps
    with steps(len(START_STEPS), "starting") as progress:
        stack.on_step = progress.begin
        return await stack.start()


async def run_forever(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stack = EmbeddedStack(settings)
    starting = asyncio.create_task(start_with_progress(stack))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            print("stopping during start-up ...", file=sys.stderr)
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            return
        starting.result()  # a failed start raises here (and is stopped below)
        print(f"gateway {stack.gateway_url}  sandbox portal {stack.sandbox_url}  dashboard {stack.dashboard_url}"
              "  (Ctrl-C to stop)", flush=True)
        from aica.first_hour import prepare_sandbox_home
        home = await prepare_sandbox_home(stack)
        print(f"open {home} : place a sample call (or your own recording) against a deal, then open the deal"
              " to see its AICA tab as Bitrix24 shows it", flush=True)
        while stack.worker_alive() and not stop.is_set():
            await asyncio.wait([stopping], timeout=1.0)
        if not stop.is_set():
            print(f"worker exited with {stack.worker.returncode if stack.worker else '?'}", file=sys.stderr)
    finally:
        stopping.cancel()
        print("stopping ...", file=sys.stderr, flush=True)
        await stack.stop()
