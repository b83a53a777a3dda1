import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENDOR = ROOT / "app" / "static" / "vendor" / "tflite"


def script_src(policy):
    return next(part.split()[1:] for part in policy.split("; ") if part.startswith("script-src "))


def test_room_page_may_compile_webassembly_only(client, room):
    """Does the room page allow WebAssembly compilation (the segmenter) but still no JavaScript eval?"""
    sources = script_src(client.get(f"/{room}").headers["Content-Security-Policy"])
    assert sources == ["'self'", "'wasm-unsafe-eval'"]


@pytest.mark.parametrize("path", ["/", "/information/pricing/", "/user/login"])
def test_other_pages_do_not_compile_webassembly(client, path):
    """Do pages without background effects keep script-src to our own files alone?"""
    assert script_src(client.get(path).headers["Content-Security-Policy"]) == ["'self'"]


def test_lobby_offers_backgrounds_as_a_labelled_radio_group(client, room):
    """Does the lobby offer None, Blur, each bundled image and one's own image as labelled radios?"""
    html = client.get(f"/{room}").get_data(as_text=True)
    group = html.split('id="background-choice"', 1)[1].split("</fieldset>", 1)[0]
    assert "<legend>Background</legend>" in group
    values = re.findall(r'name="background" id="([^"]+)" value="([^"]+)"', group)
    assert [value for _, value in values] == ["none", "blur", "image:dusk", "image:shelves", "image:tiles", "own"]
    for element_id, _ in values:
        assert f'<label class="checkbox" for="{element_id}">' in group
    assert '<input type="file" id="background-file" accept="image/*">' in group


@pytest.mark.parametrize("name", ["dusk", "shelves", "tiles"])
def test_bundled_background_images_are_served(client, name):
    """Is every bundled background image served from our own static files?"""
    response = client.get(f"/static/img/backgrounds/{name}.jpg")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"


def test_segmenter_is_served_by_the_app_with_its_licences(client):
    """Are the segmenter's WebAssembly, loader, model and licences served from our own files?"""
    wasm = client.get("/static/vendor/tflite/tflite-simd-1-0-0.wasm")
    assert wasm.status_code == 200 and wasm.mimetype == "application/wasm"
    for name in ("tflite-simd-1-0-0.js", "selfie_segmentation_landscape.tflite"):
        assert client.get(f"/static/vendor/tflite/{name}").status_code == 200
    assert "Redistribution and use in source and binary forms" in (VENDOR / "LICENSE.md").read_text()
    assert "Apache License" in (VENDOR / "LICENSE-model-Apache-2.0").read_text()


def test_vendored_versions_are_the_ones_the_script_pins():
    """Do the vendored files say they come from the exact npm version scripts/vendor-effects pins?"""
    script = (ROOT / "scripts" / "vendor-effects").read_text()
    pins = dict(re.findall(r"^fetch (@[\w-]+/[\w-]+) ([\d.]+) ", script, re.MULTILINE))
    listed = dict(re.findall(r"^(@[\w-]+/[\w-]+) ([\d.]+) ", (VENDOR / "VERSIONS").read_text(), re.MULTILINE))
    assert pins == listed == {"@twilio/video-processors": "3.2.0"}


def test_segmenter_script_reaches_no_other_site():
    """Does the vendored loader name no address beyond its own files (no telemetry, no CDN)?"""
    loader = (VENDOR / "tflite-simd-1-0-0.js").read_text()
    assert re.findall(r"https?://[\w.-]+", loader) == ["https://github.com"] * 2  # emscripten's error texts
