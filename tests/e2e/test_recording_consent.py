"""Recording with everyone's say, in Chromium: only the people who said "Include me" are in the file.

The recorded WebM is decoded with PyAV. Its picture shows how many tiles were composed (the
recorder lays n tiles out on a ceil(sqrt(n))-column grid, so three tiles leave the bottom-right
cell empty, a dark canvas, and two fill the frame; Chromium's fake camera is bright green), and its
sound is silent when the only unmuted person is the one who chose "Leave me out".
"""

import array
import math
import time

import av
from playwright.sync_api import expect

from ..support.live import in_meeting, join_meeting, sign_in, wait_decoding

RECORD_SECONDS = 4


def record(host, answers):
    """Start recording, have each guest answer, record a while; the file's path.

    ``answers`` maps each guest's page to (their name, whether they say "Include me").
    """
    host.click("#record-toggle")
    for guest, (_, include) in answers.items():
        expect(guest.locator("#recording-ask")).to_be_visible()
        guest.click("#recording-include" if include else "#recording-leave-out")
    included = ", ".join(["you"] + [name for name, include in answers.values() if include])
    left_out = [name for name, include in answers.values() if not include]
    summary = f"Recording by you: {included}" + (f". Left out: {', '.join(left_out)}" if left_out else "")
    expect(host.locator("#recording-state-text")).to_have_text(summary)
    time.sleep(RECORD_SECONDS)
    with host.expect_download() as download:
        host.click("#record-toggle")
    return download.value.path()


def composition(path):
    """The mean green level of the bottom-right cell's pixels, and the sound's RMS level."""
    with av.open(str(path)) as container:
        *_, last = container.decode(video=0)
        frame = last.reformat(format="rgb24")
        plane, width, height = frame.planes[0], frame.width, frame.height
        pixels = bytes(plane)
        greens = []
        for y in range(height * 3 // 5, height * 9 // 10, 4):
            row = y * plane.line_size
            for x in range(width * 11 // 20, width * 19 // 20, 4):
                greens.append(pixels[row + 3 * x + 1])
    squares, count = 0.0, 0
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for decoded in container.decode(audio=0):
            for frame in resampler.resample(decoded):
                samples = array.array("h", bytes(frame.planes[0])[: frame.samples * 2])
                squares += sum(s * s for s in samples)
                count += len(samples)
    return sum(greens) / len(greens), math.sqrt(squares / max(count, 1)) / 32768


def test_left_out_person_is_neither_seen_nor_heard(room, live_server, sfu_nodes, new_page):
    """Is someone who chose "Leave me out" absent from the file's picture and sound, and present once included?"""
    sfu_nodes("e2e-consent-node")
    live_server.set_plan(room["owner"], "pro")
    host = new_page()
    sign_in(host, live_server, room["owner"])
    join_meeting(host, room["url"], "Host")
    in_meeting(host)
    ben, cleo = new_page(), new_page()
    for page, name in ((ben, "Ben"), (cleo, "Cleo")):
        join_meeting(page, room["url"], name)
        in_meeting(page)
    wait_decoding(host, tracks=2)
    # Only Cleo's microphone stays on: whatever the file hears is hers.
    host.click("#mic-toggle")
    ben.click("#mic-toggle")

    without_cleo = record(host, {ben: ("Ben", True), cleo: ("Cleo", False)})
    expect(cleo.locator("#recording-state-text")).to_be_hidden()
    green, level = composition(without_cleo)
    assert green > 100, f"two tiles fill the frame, so the corner shows a camera (green {green})"
    assert level < 0.002, f"Cleo left herself out, yet the file has sound at RMS {level}"

    with_cleo = record(host, {ben: ("Ben", True), cleo: ("Cleo", True)})
    green, level_with_cleo = composition(with_cleo)
    assert green < 40, f"three tiles leave the bottom-right cell empty (green {green})"
    assert level_with_cleo > 10 * max(level, 0.0005), (level, level_with_cleo)


def test_everyone_sees_who_is_recorded(room, live_server, sfu_nodes, new_page):
    """Do the others see who is and who is not in the recording, on the bar and on the tiles?"""
    sfu_nodes("e2e-consent-view-node")
    live_server.set_plan(room["owner"], "pro")
    host = new_page()
    sign_in(host, live_server, room["owner"])
    join_meeting(host, room["url"], "Host")
    in_meeting(host)
    ben = new_page()
    join_meeting(ben, room["url"], "Ben")
    in_meeting(ben)
    host.click("#record-toggle")
    expect(ben.locator("#recording-ask")).to_be_visible()
    expect(ben.locator("#recording-ask-text")).to_contain_text("Host wants to record this meeting")
    ben.click("#recording-leave-out")
    expect(ben.locator("#recording-state-text")).to_have_text("Recording by Host: Host. Left out: you")
    expect(host.locator(".tile[data-recorded='out']")).to_have_count(1)
    ben.click("#recording-change")  # changed his mind
    expect(host.locator("#recording-state-text")).to_have_text("Recording by you: you, Ben")
    expect(host.locator(".tile[data-recorded='in']")).to_have_count(2)
