"""An owner's error answer comes back as the class it raised, so callers use plain `except` clauses."""

from __future__ import annotations

import pytest

from latchkey.errors import (
    BadGateway,
    Conflict,
    Forbidden,
    ForbiddenAuthMethod,
    InvalidCredentials,
    InvalidRefreshToken,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
)
from latchkey.internal_client import OWNER_FAILED, upstream_error
from latchkey.session_client import DirectoryUser


def problem(status: int, code: str, **extra):
    return {"type": "about:blank", "title": f"{code} said the owner", "status": status, "code": code, **extra}


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (404, "not_found", NotFound),
        (404, "user_not_found", NotFound),
        (403, "forbidden", Forbidden),
        (403, "forbidden_auth_method", ForbiddenAuthMethod),
        (401, "invalid_credentials", InvalidCredentials),
        (401, "invalid_refresh_token", InvalidRefreshToken),
        (409, "user_changed", Conflict),
    ],
)
def test_the_owners_error_is_rebuilt_as_its_class_with_code_and_message(status, code, expected):
    error = upstream_error(status, problem(status, code))
    assert type(error) is expected
    assert (error.status, error.code, error.message) == (status, code, f"{code} said the owner")


def test_validation_failures_keep_their_fields():
    error = upstream_error(400, problem(400, "validation_failed", fields={"email": "must be a valid email address"}))
    assert isinstance(error, ValidationFailed) and error.fields == {"email": "must be a valid email address"}
    assert error.extra() == {"fields": {"email": "must be a valid email address"}}


def test_rate_limits_and_outages_keep_the_owners_retry_after():
    limited = upstream_error(429, problem(429, "rate_limited"), "120")
    assert isinstance(limited, RateLimited) and limited.headers() == {"Retry-After": "120"}
    down = upstream_error(503, problem(503, "service_unavailable"), "7")
    assert isinstance(down, ServiceUnavailable) and down.headers() == {"Retry-After": "7"}
    assert upstream_error(503, None, "9" * 5000).headers() == {"Retry-After": "5"}


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_every_5xx_of_the_owner_is_one_kind_of_failure_for_its_caller(status):
    error = upstream_error(status, "not even json")
    assert isinstance(error, OWNER_FAILED) and error.status == status


def test_a_user_of_the_wrong_shape_is_a_bad_gateway_not_a_key_error():
    with pytest.raises(BadGateway):
        DirectoryUser.from_json({"userid": "1"})
    user = DirectoryUser.from_json({"userid": 3, "role": None, "disabled": 1, "partnerid": True})
    assert (user.role, user.disabled, user.partnerid) == ("", False, None)
