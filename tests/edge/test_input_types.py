"""Request bodies take `true`/`false` where the schema says boolean, and only there (pydantic converts both ways)."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from pydantic import Field, ValidationError
from sqlalchemy.orm import Session

from mentorloom.web.inputs import MAX_INT, MIN_INT, InputModel
from tests.mentorships.helpers import make_pair


class Sample(InputModel):
    count: int = 0
    maybe: int | None = None
    ratio: Annotated[float, Field(ge=0)] = 0.0
    flag: bool = False
    maybe_flag: bool | None = None
    either: int | bool = 0


@pytest.mark.parametrize(("field", "kind"), [("count", "int_type"), ("maybe", "int_type"), ("ratio", "float_type")])
@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_is_no_number(field: str, kind: str, value: bool) -> None:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({field: value})
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [((field,), kind)]


@pytest.mark.parametrize("field", ["flag", "maybe_flag"])
@pytest.mark.parametrize("value", [1, 0, "true", "yes", "off", 1.0])
def test_a_boolean_field_takes_only_booleans(field: str, value: object) -> None:
    """Found by schemathesis: a `shared` of another type saved a coordination note, a `maximise_matched` a program."""
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({field: value})
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [((field,), "bool_type")]


def test_booleans_stay_welcome_where_the_schema_says_boolean() -> None:
    sample = Sample.model_validate({"flag": True, "either": False, "count": 3, "maybe": None, "ratio": 1})
    assert (sample.flag, sample.either, sample.count, sample.ratio) == (True, False, 3, 1.0)
    assert Sample.model_validate({"maybe_flag": None, "either": 7}).either == 7


@pytest.mark.anyio
async def test_the_api_refuses_a_boolean_id(client: httpx.AsyncClient, db_session: Session) -> None:
    """Found by schemathesis: `{"up_to_id": true}` marked the conversation read up to message 1."""
    pair = make_pair(db_session)
    response = await client.post(f"{pair.base}/messages/read", json={"up_to_id": True}, headers=pair.mentee_h)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "up_to_id"


def test_the_schema_states_the_32_bit_bound_every_body_enforces() -> None:
    """Found by schemathesis: a lock_version of 2**31 was schema-valid yet refused."""
    properties = Sample.model_json_schema()["properties"]
    assert (properties["count"]["minimum"], properties["count"]["maximum"]) == (MIN_INT, MAX_INT)
    assert properties["maybe"]["anyOf"][0]["maximum"] == MAX_INT
    assert "maximum" not in properties["ratio"]  # floats are not stored in integer columns
