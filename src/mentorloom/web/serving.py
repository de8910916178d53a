"""How `mentorloom serve` runs uvicorn: which proxies it believes about the client's address and scheme."""

from __future__ import annotations

from typing import Any

from mentorloom.config import Settings


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy settings: X-Forwarded-For/-Proto count only from MENTORLOOM_FORWARDED_ALLOW_IPS.

    uvicorn's own default trusts 127.0.0.1, so anyone who reached the app through any local hop could
    claim a fresh address with each request and escape the per-address login limit.
    """
    trusted = settings.forwarded_allow_ips.strip()
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}
