from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_healthz_reports_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_openapi_is_served_and_docs_use_no_cdn(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/v1/openapi.json")).json()
    assert "/api/v1/programs" in spec["paths"]
    docs = await client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower() and "/vendor/swagger-ui-dist/" in docs.text
