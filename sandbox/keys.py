"""Typed application keys of the sandbox app."""
from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from sandbox.state import SandboxState

STATE = web.AppKey("sandbox_state", SandboxState)
HTTP = web.AppKey("sandbox_http", aiohttp.ClientSession)  # delivers events to the handler
TASKS = web.AppKey("sandbox_tasks", set[asyncio.Task[None]])  # call stories in flight
