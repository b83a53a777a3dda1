"""The node refuses to run on an aiortc whose private parts it relies on have moved."""

import importlib
import importlib.resources

import aiortc
import pytest
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtcrtpsender import RTCRtpSender

from sfu_node import aiortc_internals
from sfu_node.aiortc_internals import PINNED_AIORTC_VERSION, AiortcMismatch, check


def test_installed_aiortc_passes():
    """Does the installed aiortc pass the check (the pin in requirements.txt is the one we read)?"""
    check()
    requirements = (importlib.resources.files("sfu_node").parent / "requirements.txt").read_text()
    assert f"aiortc=={PINNED_AIORTC_VERSION}" in requirements.split()


def test_other_version_refused():
    """Is any aiortc version but the pinned one refused with a clear message?"""
    with pytest.raises(AiortcMismatch, match=r"needs aiortc==1\.16\.0.*found 1\.17\.0"):
        check(version="1.17.0")


def test_missing_method_refused(monkeypatch):
    """Is an aiortc whose receiver lost _send_rtcp_pli refused, naming it?"""
    monkeypatch.delattr(RTCRtpReceiver, "_send_rtcp_pli")
    with pytest.raises(AiortcMismatch, match="RTCRtpReceiver._send_rtcp_pli"):
        check()


def test_missing_instance_attribute_refused(monkeypatch):
    """Is an aiortc whose sender's __init__ no longer sets __encoder refused, naming it?"""

    def init_without_encoder(self, *args, **kwargs):
        self._stream_id = "x"

    monkeypatch.setattr(RTCRtpSender, "__init__", init_without_encoder)
    with pytest.raises(AiortcMismatch, match="RTCRtpSender._RTCRtpSender__encoder"):
        check()


def test_import_fails_loudly_on_a_mismatch(monkeypatch):
    """Does importing the module itself raise when aiortc is not the pinned version?"""
    monkeypatch.setattr(aiortc, "__version__", "9.9.9")
    try:
        # RuntimeError: reloading defines a new AiortcMismatch class, a subclass of it.
        with pytest.raises(RuntimeError, match="found 9.9.9") as raised:
            importlib.reload(aiortc_internals)
        assert type(raised.value).__name__ == "AiortcMismatch"
    finally:
        monkeypatch.undo()
        importlib.reload(aiortc_internals)
