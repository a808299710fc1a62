"""Bitrix24 integration: wire formats, the REST client, installed portals."""
