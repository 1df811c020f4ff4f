"""The API against its own OpenAPI document (docs/api.md), with schemathesis.

Every operation of ``/api/v1/_openapi`` gets requests generated from the document: valid ones
and invalid ones (wrong types, missing fields, strings where numbers go), as the admin. No
answer may be a server error, and each must be one the document describes: a documented status
code and content type, a body matching its schema. The number of requests per operation follows
the hypothesis profile (``--hypothesis-profile nightly`` for a long run).
"""

import collections

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def _failures(schema, client, headers, examples: int) -> dict:
    """``{(operation, failure): (count, first request as curl, why)}`` over the document."""
    found = {}
    counts = collections.Counter()

    def run(operation, mode):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            try:
                # The suite's client answers every request in its own app context and reads
                # (and closes) streamed answers, as a server does.
                case.call_and_validate(headers=headers, checks=CHECKS, session=client)
            except* Exception as group:
                for failure in group.exceptions:
                    for single in getattr(failure, "exceptions", [failure]):
                        key = (operation.label, str(single).strip().splitlines()[0])
                        counts[key] += 1
                        found.setdefault(key, (case.as_curl_command(), str(single)[:600]))

        call()

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in MODES:
            run(operation, mode)
    return {key: (counts[key], *found[key]) for key in found}


def test_every_answer_is_documented_and_none_is_a_server_error(app, client, api):
    headers = api("Admin")
    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app, headers=headers)
    operations = sum(1 for _ in schema.get_all_operations())
    assert operations > 150  # every resource's list, row, writes, actions, exports

    examples = max(3, settings().max_examples // 5)
    failures = _failures(schema, client, headers, examples)

    report = "\n\n".join(
        f"{label} — {title} (×{count})\n{curl}\n{why}"
        for (label, title), (count, curl, why) in sorted(failures.items())
    )
    assert not failures, report
