// The lobby's "Background" choice (None, Blur, a bundled image or the person's own), remembered
// in this browser, and the pipeline (effects.js) that puts it on the camera before the preview
// and the meeting take the track. Joining hands the pipeline's track to the meeting with the
// rest of the stream, so the effect stays on through camera toggles and moves between
// peer-to-peer and the node (they all reuse that one track).
import { BackgroundPipeline, MIN_FPS } from "./effects.js";
import { effectsUnsupportedReason, loadSegmenter } from "./segmenter.js";

const $ = (id) => document.getElementById(id);
// The person's own image lives only here, in this browser, as a small JPEG data URL: it is read
// from the file picker and never sent anywhere (no request is made for it, not even a data: one).
const OWN_IMAGE_KEY = "parlor.background-image";
const OWN_IMAGE_MAX = { width: 1280, height: 960 };

function dataUrlToBlob(url) {
  const [head, body] = url.split(",", 2);
  const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type: head.slice(5).split(";")[0] });
}

function blobToDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

// Scaled down so it fits in local storage; the pipeline crops it to the frame anyway.
async function shrink(bitmap) {
  const scale = Math.min(1, OWN_IMAGE_MAX.width / bitmap.width, OWN_IMAGE_MAX.height / bitmap.height);
  const canvas = new OffscreenCanvas(Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas.convertToBlob({ type: "image/jpeg", quality: 0.85 });
}

export class Backgrounds {
  // ``saved``/``save``: the lobby's remembered settings; ``onStream``: a new stream to preview
  // (the effect was switched on); ``onStatus``: a sentence for the person, or "".
  constructor({ saved, save, onStream, onStatus }) {
    this.saved = saved;
    this.save = save;
    this.onStream = onStream;
    this.onStatus = onStatus;
    this.pipeline = null;
    this.ownImage = null;
    this.unsupported = null;
  }

  get choice() {
    return this.saved.background || "none";
  }

  start() {
    const radios = document.querySelectorAll('input[name="background"]');
    this.unsupported = effectsUnsupportedReason();
    if (this.unsupported) {
      radios.forEach((radio) => { radio.disabled = radio.value !== "none"; });
      $("background-file").disabled = true;
      $("effects-status").textContent = this.unsupported;
      this.saved.background = "none";
    }
    const current = document.querySelector(`input[name="background"][value="${CSS.escape(this.choice)}"]`);
    (current || $("background-none")).checked = true;
    radios.forEach((radio) => radio.addEventListener("change", () => radio.checked && this.choose(radio.value)));
    $("background-file").addEventListener("change", () => this.pickOwn($("background-file").files[0]));
    this.bindDialog();
  }

  // In the meeting the same choice opens in a dialog: the lobby's fieldset moves there while it
  // is open, and back when it closes.
  bindDialog() {
    const dialog = $("background-dialog");
    const choice = $("background-choice");
    const home = choice.parentNode;
    const next = choice.nextSibling;
    $("background-toggle").hidden = Boolean(this.unsupported);
    $("background-toggle").addEventListener("click", () => {
      if (!this.meeting || !this.meeting.live) return;
      $("background-dialog-body").append(choice);
      dialog.showModal();
    });
    $("background-close").addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => home.insertBefore(choice, next));
  }

  async choose(value) {
    this.saved.background = value;
    this.save();
    this.onStatus("");
    if (this.pipeline || value !== "none") await this.apply();
  }

  async pickOwn(file) {
    if (!file) return;
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (error) {
      this.onStatus("That file is not an image this browser can read. Choose a JPEG, PNG or WebP.");
      return;
    }
    this.ownImage = bitmap;
    try {
      localStorage.setItem(OWN_IMAGE_KEY, await blobToDataUrl(await shrink(bitmap)));
    } catch (error) {
      // Too large for this browser's storage, or storage blocked: it works until the page closes.
    }
    $("background-own").checked = true;
    await this.choose("own");
  }

  async image(value) {
    if (value === "own") {
      if (!this.ownImage) {
        const stored = localStorage.getItem(OWN_IMAGE_KEY);
        if (!stored) return null;
        this.ownImage = await createImageBitmap(dataUrlToBlob(stored));
      }
      return this.ownImage;
    }
    const radio = document.querySelector(`input[name="background"][value="${CSS.escape(value)}"]`);
    const response = await fetch(radio.dataset.src);
    return createImageBitmap(await response.blob());
  }

  async effect() {
    const value = this.choice;
    if (value === "none") return { kind: "none" };
    if (value === "blur") return { kind: "blur" };
    const image = await this.image(value).catch(() => null);
    if (!image) {
      this.onStatus(value === "own" ? "Choose an image for your background." : "The background image could not be loaded.");
      return { kind: "none" };
    }
    return { kind: "image", image };
  }

  // The preview stream with the chosen effect on its camera track (the stream itself when no
  // effect is chosen, or none can run here).
  async wrap(stream) {
    this.release();
    const camera = stream.getVideoTracks()[0];
    if (!camera || this.unsupported || this.choice === "none") return stream;
    const pipeline = await this.build(camera);
    if (!pipeline) return stream;
    return new MediaStream([pipeline.track, ...stream.getAudioTracks()]);
  }

  async build(camera) {
    this.onStatus("Loading background effects…");
    let segmenter;
    try {
      segmenter = await loadSegmenter();
    } catch (error) {
      console.warn("parlor: segmenter", error);
      this.onStatus("Background effects could not start in this browser, so your camera is shown as it is.");
      return null;
    }
    const pipeline = new BackgroundPipeline(camera, segmenter);
    this.setEffect(pipeline, await this.effect());
    // The processed frame rate, for people's tools and our tests.
    pipeline.addEventListener("fps", ({ detail }) => { $("preview").dataset.fps = detail.fps.toFixed(1); });
    pipeline.addEventListener("fallback", ({ detail }) => {
      $("preview").dataset.background = "none";
      const why = detail.fps === null
        ? "it failed in this browser"
        : `this device managed only ${Math.floor(detail.fps)} frames a second (it needs ${MIN_FPS})`;
      this.onStatus(`Background effect turned off: ${why}. Your camera is sent as it is.`, true);
    });
    if (this.choice !== "own" || this.ownImage) this.onStatus("");
    this.pipeline = pipeline;
    return pipeline;
  }

  // A choice made after the preview started: change the running effect, or start one. In the
  // meeting a new effect reads the meeting's camera and the meeting sends its track instead.
  async apply() {
    if (this.pipeline && !this.pipeline.stopped) {
      this.setEffect(this.pipeline, await this.effect());
      return;
    }
    const meeting = this.meeting && this.meeting.live ? this.meeting : null;
    const stream = meeting ? meeting.stream : this.currentStream && this.currentStream();
    const camera = stream && stream.getVideoTracks()[0];
    if (this.unsupported) return;
    if (!camera) {
      if (meeting) this.onStatus("You joined without a camera, so there is no background to change.");
      return;
    }
    const pipeline = await this.build(camera);
    if (!pipeline) return;
    if (meeting) await meeting.replaceCamera(pipeline.track);
    else this.onStream(new MediaStream([pipeline.track, ...stream.getAudioTracks()]));
  }

  // The preview says which effect it shows (for people's tools and our tests alike).
  setEffect(pipeline, effect) {
    pipeline.setEffect(effect);
    $("preview").dataset.background = effect.kind;
  }

  // The lobby is done with this pipeline (a new camera): stop it and the camera under it. One
  // handed over to a meeting is the meeting's to stop.
  release() {
    if (this.pipeline && !this.meeting) this.pipeline.stop();
    this.pipeline = null;
    this.meeting = null;
    $("preview").dataset.background = "none";
  }

  // The meeting owns the track now; it stops it (and so the pipeline) when it ends. The choice
  // can still change during the meeting: the running effect changes, or one starts on the
  // meeting's camera.
  handOver(meeting) {
    this.meeting = meeting;
  }
}
