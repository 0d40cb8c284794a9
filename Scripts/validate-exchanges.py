#!/usr/bin/env python3
"""Checks every request the API test suite sent, and every reply it got, against the contract.

    Scripts/validate-exchanges.py openapi/openapi.json EXCHANGES.jsonl

EXCHANGES.jsonl is what the server tests write with SOLVENT_API_EXCHANGES set: one JSON object
per call (method, uri, headers, requestBody, status, contentType, responseBody; header values
other than content type and cookies are placeholders). With openapi-core:
- every reply must be documented: its status under its operation, its body valid against the
  schema of that status (error bodies included);
- every request the server accepted (2xx) must be valid against the document: a field, a
  parameter or a route the server takes but the document does not describe is drift;
- a request the server refused (4xx) may be invalid on purpose (the malformed-input tests).
- every documented operation must be exercised by at least one exchange that passed.
Prints how many exchanges and operations were checked, and each disagreement; exits 1 on any.
"""
import json
import re
import sys
from urllib.parse import parse_qs, urlsplit

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

HOST = "http://127.0.0.1:8080"


def request_of(entry):
    parts = urlsplit(entry["uri"])
    query = {name: values[-1] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
    headers = {name.title(): value for name, value in entry["headers"].items() if name != "cookie"}
    cookies = {}
    for pair in entry["headers"].get("cookie", "").split(";"):
        name, _, value = pair.strip().partition("=")
        if name:
            cookies[name] = value
    content_type = entry["headers"].get("content-type", "application/json").split(";")[0].strip()
    body = entry["requestBody"]
    return MockRequest(HOST, entry["method"].lower(), parts.path, args=query, headers=headers, cookies=cookies,
                       data=None if body is None else body.encode(), content_type=content_type)


def response_of(entry):
    content_type = (entry["contentType"] or "application/json").split(";")[0].strip()
    return MockResponse(entry["responseBody"].encode(), status_code=entry["status"], content_type=content_type)


def operation_of(templates, method, path):
    for candidate, template, pattern in templates:
        if candidate == method and pattern.match(path):
            return (method, template)
    return None


def reason(error):
    """The innermost cause, which names the field or the schema rule."""
    while getattr(error, "__cause__", None) is not None:
        error = error.__cause__
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    document = json.load(open(sys.argv[1]))
    spec = OpenAPI.from_dict(document)
    templates = [(method, path, re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"))
                 for path, item in document["paths"].items() for method in item
                 if method in ("get", "put", "post", "delete", "patch")]
    exchanges = [json.loads(line) for line in open(sys.argv[2]) if line.strip()]
    if not exchanges:
        sys.exit(f"{sys.argv[2]}: no exchanges recorded (was SOLVENT_API_EXCHANGES set for swift test?)")
    failures, operations = [], set()
    for entry in exchanges:
        where = f'{entry["method"]} {entry["uri"]} -> {entry["status"]}'
        request, response = request_of(entry), response_of(entry)
        try:
            spec.validate_response(request, response)
        except Exception as error:  # noqa: BLE001 - every kind of disagreement is reported
            failures.append(f"{where}: reply not as documented: {reason(error)}")
            continue
        if 200 <= entry["status"] < 300:
            try:
                spec.validate_request(request)
            except Exception as error:  # noqa: BLE001
                failures.append(f"{where}: accepted a request the document refuses: {reason(error)}")
                continue
        operation = operation_of(templates, entry["method"].lower(), urlsplit(entry["uri"]).path)
        if operation:
            operations.add(operation)
    for failure in sorted(set(failures)):
        print(failure)
    for method, path, _ in templates:
        if (method, path) not in operations:
            print(f"not exercised by the server tests: {method.upper()} {path}")
    print(f"{len(exchanges)} exchanges of the API test suite checked against {sys.argv[1]}: "
          f"{len(operations)} of {len(templates)} documented operations exercised, {len(set(failures))} disagreements")
    unexercised = len(templates) - len(operations)
    sys.exit(1 if failures or unexercised else 0)


if __name__ == "__main__":
    main()
