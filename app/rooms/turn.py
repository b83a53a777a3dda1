"""Short-lived TURN credentials for coturn's ``use-auth-secret`` mode.

The username is ``expiry:participant`` and the password the base64 HMAC-SHA1 of it under
the secret shared with coturn, so coturn can check them without calling us.
"""

import base64
import hashlib
import hmac
import time


def turn_credentials(secret, urls, participant_id, ttl, now=None):
    if not (secret and urls):
        return {"iceServers": [], "ttl": ttl}
    expiry = int(now if now is not None else time.time()) + ttl
    username = f"{expiry}:{participant_id}"
    password = base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()
    return {"iceServers": [{"urls": list(urls), "username": username, "credential": password}], "ttl": ttl}
