"""Pages the browser tests visit, in one list."""

# Every page a signed-in person reaches from the account menu.
ACCOUNT_PAGES = [
    "/user/rooms",
    "/user/profile",
    "/user/billing",
    "/user/privacy/",
    "/user/privacy/consents",
    "/user/privacy/export",
    "/user/privacy/delete",
    "/user/developers/webhooks",
    "/user/developers/origins",
]
