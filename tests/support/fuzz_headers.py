"""Hypothesis strategies for tampered signed control-plane headers (node and app sides)."""

from hypothesis import strategies as st

from sfu_node import protocol

CONTROL_HEADERS = [protocol.HEADER_NODE, protocol.HEADER_TIMESTAMP, protocol.HEADER_NONCE, protocol.HEADER_SIGNATURE]
# Digits str.isdigit() (and some of them int()) accept, but no signer writes.
UNICODE_DIGITS = ["²", "٣", "१", "０", "𝟘", "፩", "¹"]
# What can travel in an HTTP header value: no control characters, no lone surrogates.
# The app sits behind a WSGI server, which hands it header bytes decoded as latin-1.
NODE_HEADER_CHARS = st.characters(blacklist_categories=("Cc", "Cs"))
APP_HEADER_CHARS = st.characters(max_codepoint=0xFF, blacklist_categories=("Cc",))


@st.composite
def tampered_headers(draw, signed: dict, characters) -> dict:
    """``signed`` control headers with at least one header dropped or changed."""
    headers = dict(signed)
    garbage = st.text(characters, max_size=80)
    for name in draw(st.sets(st.sampled_from(CONTROL_HEADERS), min_size=1)):
        value = headers[name]
        action = draw(st.sampled_from(["drop", "replace", "unicode digit", "append", "empty", "huge"]))
        if action == "drop":
            del headers[name]
        elif action == "replace":
            headers[name] = draw(garbage)
        elif action == "unicode digit":
            at = draw(st.integers(0, len(value)))
            headers[name] = value[:at] + draw(st.sampled_from(UNICODE_DIGITS)) + value[at + 1 :]
        elif action == "append":
            headers[name] = value + draw(garbage.filter(lambda g: g.strip()))
        elif action == "empty":
            headers[name] = ""
        else:
            # Past the pattern's bound, yet under the HTTP servers' 8 KiB line limit
            # (above it the server itself answers 400, before any handler).
            headers[name] = draw(st.sampled_from(["9", "a", "²"])) * draw(st.integers(65, 2000))
    # Servers strip the blanks around header values: a change must survive that.
    changed = {n for n in CONTROL_HEADERS if headers.get(n, "").strip() != signed[n] or n not in headers}
    if not changed:
        del headers[protocol.HEADER_SIGNATURE]
    return headers
