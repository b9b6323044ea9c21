"""Who is this browser? Jobs belong to it, so a reload or a second tab can still stop them.

Streamlit's server sets an XSRF cookie (`_streamlit_xsrf`) on every browser that opens the
app and keeps its secret token across requests: the same for every tab and every reload of
that browser, and never part of a URL. A hash of that token (salted per server process, so a
run.json never holds anything that would let someone forge it) identifies the browser. A
shared view link carries no cookie, so it hands over the view, not the right to stop a job.
Without the cookie (streamlit.testing, XSRF protection switched off) a session id is used:
then, as before, a reload starts a new owner.
"""

from __future__ import annotations

import binascii
import hashlib
import secrets
import uuid

import streamlit as st

XSRF_COOKIE = "_streamlit_xsrf"
_SALT = secrets.token_bytes(16)  # per server process: owners do not outlive the job manager


def xsrf_token(cookie: str | None) -> bytes | None:
    """The secret token inside Streamlit's XSRF cookie (format '2|mask|masked|time', or a
    version 1 plain hex token); None when there is no usable cookie."""
    if not cookie:
        return None
    value = cookie.strip("\"'")
    try:
        if value.startswith("2|"):
            _, mask_hex, masked_hex, _ = value.split("|")
            mask, masked = binascii.a2b_hex(mask_hex), binascii.a2b_hex(masked_hex)
            if len(mask) != 4 or not masked:
                return None
            return bytes(b ^ mask[i % 4] for i, b in enumerate(masked))
        token = binascii.a2b_hex(value)
        return token or None
    except (ValueError, binascii.Error):
        return None


def browser_owner(cookie: str | None) -> str | None:
    """An owner id for the browser behind an XSRF cookie, or None."""
    token = xsrf_token(cookie)
    if token is None:
        return None
    return "browser-" + hashlib.sha256(_SALT + token).hexdigest()[:32]


def owner() -> str:
    """This browser's owner id (this session's when the browser cannot be told)."""
    if "owner" not in st.session_state:
        try:
            cookie = st.context.cookies.get(XSRF_COOKIE)
        except Exception:  # no request context (streamlit.testing)
            cookie = None
        st.session_state["owner"] = browser_owner(cookie) or f"session-{uuid.uuid4().hex}"
    return st.session_state["owner"]
