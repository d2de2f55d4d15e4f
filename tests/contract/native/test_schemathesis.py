"""Property-based conformance: schemathesis drives every operation of /openapi.json against
the real server and checks that nothing answers 5xx and every response matches the document."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_schemathesis_finds_no_5xx_and_no_schema_violation(start_venue):
    # a server of its own: generated admin calls rewrite users and instruments at random
    live_venue = start_venue()
    schema = schemathesis.openapi.from_url(live_venue.base_url + "/openapi.json")
    admin = f"Bearer {live_venue.manifest['native']['admin_key']}"
    operator = "Bearer demo-operator-key"
    failures = []
    calls = []
    for result in schema.get_all_operations():
        operation = result.ok()
        headers = {"Authorization": admin if "/admin/" in operation.path else operator}

        @settings(max_examples=25, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call(headers=headers, timeout=10)
            calls.append(response.status_code)
            case.validate_response(response, checks=CHECKS)

        from hypothesis import given
        try:
            given(operation.as_strategy())(run)()
        except Exception as exc:  # collect all, so one run reports every broken operation
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
    # it really exercised the API: many calls, and some of them got past validation
    assert len(calls) > 300 and any(200 <= status < 300 for status in calls), len(calls)
