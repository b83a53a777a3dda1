"""Pages the browser tests visit, in one list."""

# Every page a signed-in person reaches from the account menu.
ACCOUNT_PAGES = [
    "/user/rooms",
    "/user/profile",
    "/user/billing",
    "/user/developers",
    "/user/privacy/",
    "/user/privacy/consents",
    "/user/privacy/export",
    "/user/privacy/delete",
]

# The staff console's pages (tests/e2e/test_accessibility.py fills in ids of real records).
ADMIN_PAGES = [
    "/admin/",
    "/admin/users",
    "/admin/users/{staff_id}",
    "/admin/rooms",
    "/admin/meetings",
    "/admin/nodes",
    "/admin/tickets",
    "/admin/tickets/{ticket_id}",
    "/admin/enquiries",
    "/admin/retention",
    "/admin/audit",
]
