"""Help articles shown on the support page. Kept in code so they ship with each release."""

ARTICLES = [
    {
        "id": "getting-started",
        "title": "Getting started",
        "paragraphs": [
            "Sign up with your email address or phone number, pick a room name such as "
            "parlor.example/team-standup, and share the link. Everyone who opens it arrives in the "
            "room's lobby, checks their camera and microphone, and joins with one click.",
            "Guests never need an account or an app: a current version of Firefox, Chrome, Edge or "
            "Safari is enough, on a computer or a phone.",
        ],
    },
    {
        "id": "camera-and-microphone",
        "title": "My camera or microphone does not work",
        "paragraphs": [
            "Your browser asks for permission the first time you enter a lobby. If you said no, open "
            "the site settings (the padlock next to the address) and allow camera and microphone, then "
            "reload the page.",
            "If another program is using the camera, close it. In the lobby you can pick a different "
            "camera or microphone from the lists under the preview.",
        ],
    },
    {
        "id": "locking-rooms",
        "title": "Locking a room and letting people in",
        "paragraphs": [
            "As a room's owner you can lock it from your room list or during a meeting. Visitors to a "
            "locked room knock from the lobby; you see their name and choose to let them in or not.",
        ],
    },
    {
        "id": "large-meetings",
        "title": "Meetings with more than four people",
        "paragraphs": [
            "Free rooms hold small meetings of up to four people, connected directly to each other. "
            "Pro and Business rooms hold up to twelve through one of our video routers, chosen in the "
            "region nearest the first person to arrive. Streams are encrypted on the way to and from the "
            "router, which passes them on without decoding or storing them.",
        ],
    },
    {
        "id": "your-data",
        "title": "Seeing, exporting or deleting your data",
        "paragraphs": [
            "Signed in, open Privacy from your account menu. It lists every kind of data we hold about "
            "you, lets you download all of it as a ZIP archive, change your consents, and delete your "
            "account. Deletion is immediate; only payment records we must keep by law remain.",
        ],
    },
    {
        "id": "billing",
        "title": "Plans, invoices and cancelling",
        "paragraphs": [
            "Your plan, next renewal date and invoices are under Billing in your account. Cancelling "
            "keeps your paid features until the end of the period you paid for; after that your rooms "
            "keep working on the free plan and nothing is deleted.",
        ],
    },
]
