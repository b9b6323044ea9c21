"""Tests for ui.identity: the browser behind Streamlit's XSRF cookie owns its jobs."""

from __future__ import annotations

import binascii
import os

from ui.core.identity import browser_owner, xsrf_token


def v2_cookie(token: bytes, mask: bytes | None = None) -> str:
    """A cookie as Streamlit writes it: 2|mask|token xor mask|timestamp."""
    mask = mask or os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(token))
    return f"2|{binascii.b2a_hex(mask).decode()}|{binascii.b2a_hex(masked).decode()}|1760000000"


def test_the_token_survives_a_new_mask() -> None:
    token = os.urandom(16)
    first, second = v2_cookie(token), v2_cookie(token)
    assert first != second  # the server masks it afresh on every response
    assert xsrf_token(first) == xsrf_token(second) == token
    assert browser_owner(first) == browser_owner(second)


def test_another_browser_is_another_owner_and_the_owner_hides_the_token() -> None:
    a, b = os.urandom(16), os.urandom(16)
    owner = browser_owner(v2_cookie(a))
    assert owner != browser_owner(v2_cookie(b))
    assert binascii.b2a_hex(a).decode() not in owner


def test_bad_cookies_give_no_owner() -> None:
    for cookie in (None, "", "2|zz|zz|1", "2|0102|abcd", "not hex", '"'):
        assert browser_owner(cookie) is None, cookie
    assert xsrf_token(binascii.b2a_hex(b"v1-token").decode()) == b"v1-token"
