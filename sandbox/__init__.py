"""A local Bitrix24 portal speaking the wire formats the product uses (see portal.py)."""
from sandbox.portal import create_sandbox_app
from sandbox.state import SandboxState

__all__ = ["SandboxState", "create_sandbox_app"]
