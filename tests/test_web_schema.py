"""The API against its own schema: schemathesis, in process, sends every operation of
``/openapi.json`` a few generated requests as the admin; no answer may be a server error, and
every answer must be one the schema declares (status, content type, body)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bluehelmet.services.database import Database
from tests.test_web_api import World, build_world

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: Generated requests per operation: enough to reach each one's refusals and answers, few enough
#: that some 330 operations run in well under a minute.
EXAMPLES = 3


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    built = build_world(db)
    with built.client:
        yield built


def test_every_operation_answers_as_its_schema_says(world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    headers = world.headers("admin")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 300

    for operation in operations:
        if operation.path == "/api/reports/letter":
            continue  # each letter takes seconds to draw; tests/test_web_api.py covers its answers

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def answers_as_declared(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        answers_as_declared()
