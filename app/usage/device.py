"""Device information read from the User-Agent header: type, operating system, browser."""

from user_agents import parse


def describe(user_agent):
    if not user_agent:
        return {"device_type": None, "os": None, "browser": None}
    agent = parse(user_agent[:512])
    if agent.is_bot:
        kind = "bot"
    elif agent.is_tablet:
        kind = "tablet"
    elif agent.is_mobile:
        kind = "mobile"
    elif agent.is_pc:
        kind = "desktop"
    else:
        kind = "other"
    return {"device_type": kind, "os": agent.os.family[:40], "browser": agent.browser.family[:40]}
