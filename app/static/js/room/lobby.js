// The lobby: name, camera preview and device choice, the join button and its progress,
// and knocking on a locked room. Joining hands the camera to a Meeting.
import { Backgrounds } from "./backgrounds.js";
import { LatencyProbe } from "./latency.js";
import { explainMediaError, fillSelect, listDevices, meter, openStream } from "./media.js";
import { canEncryptFrames } from "../e2ee/frame-crypto.js";
import { Meeting } from "./meeting.js";

const $ = (id) => document.getElementById(id);
const SAVED_KEY = "parlor.lobby";
const MAX_NAME_LENGTH = 50;
const HOST_AWAY = "The host isn't here yet. You will be let in when they arrive and answer.";

// The name and devices chosen last time, when this browser lets the page keep them.
function readSaved() {
  try {
    return JSON.parse(localStorage.getItem(SAVED_KEY) || "{}");
  } catch (error) {
    return {};
  }
}

export class Lobby {
  constructor(config) {
    this.config = config;
    this.saved = readSaved();
    this.stream = null;
    this.previewReady = Promise.resolve();
    this.stopMeter = () => {};
    this.meeting = null;
    this.waiting = false;
    this.latency = new LatencyProbe(config.latencyProbes);
    this.onMeeting = () => {}; // embedding.js listens to every meeting this lobby starts
    this.backgrounds = new Backgrounds({
      saved: this.saved,
      save: () => this.save(),
      onStream: (stream) => this.showPreview(stream),
      onStatus: (text, alsoInMeeting) => this.effectsStatus(text, alsoInMeeting),
    });
    this.backgrounds.currentStream = () => this.stream;
  }

  start() {
    if (this.saved.name && !$("display-name").value) $("display-name").value = this.saved.name;
    $("join-form").addEventListener("submit", (event) => this.join(event));
    $("knock-button").addEventListener("click", () => this.knock());
    $("rejoin-here").addEventListener("click", () => this.rejoinHere());
    $("camera-select").addEventListener("change", () => this.switchDevice());
    $("microphone-select").addEventListener("change", () => this.switchDevice());
    $("noise-suppression").checked = this.saved.noiseSuppression !== false;
    $("noise-suppression").addEventListener("change", () => this.setNoiseSuppression($("noise-suppression").checked));
    this.backgrounds.start();
    window.addEventListener("pagehide", () => this.meeting && this.meeting.close());
    this.explainEncryption();
    this.latency.start();
    this.previewReady = this.startPreview();
  }

  // Said before anyone presses Join: this browser cannot seal video frames.
  explainEncryption() {
    if (canEncryptFrames()) return;
    const notice = $("e2ee-unsupported");
    notice.hidden = false;
    if (this.config.allowUnencrypted) {
      notice.textContent = "This browser cannot encrypt video end to end. The room's owner lets such browsers in, "
        + "but while you are in, the meeting is not end-to-end encrypted for anyone.";
    } else {
      notice.textContent = "This browser cannot join: meetings in this room are end-to-end encrypted, and this browser "
        + "cannot encrypt video. Join from a recent Chrome, Edge, Firefox or Safari.";
      $("join-button").disabled = true;
    }
  }

  status(text) {
    $("join-status").textContent = text;
  }

  step(name) {
    const steps = $("join-steps");
    steps.hidden = false;
    let reached = false;
    for (const item of steps.querySelectorAll("li")) {
      if (item.dataset.step === name) {
        item.hidden = false;
        item.setAttribute("aria-current", "step");
        item.className = "active";
        reached = true;
      } else {
        item.removeAttribute("aria-current");
        item.className = reached ? "" : "done";
      }
    }
  }

  save() {
    try {
      localStorage.setItem(SAVED_KEY, JSON.stringify(this.saved));
    } catch (error) {
      // Inside another site's frame a browser blocking third-party storage refuses; that is fine.
    }
  }

  async startPreview() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.status("This browser cannot use a camera here. Use a current browser over https.");
      return;
    }
    try {
      await this.usePreviewStream(await openStream({
        cameraId: this.saved.camera,
        microphoneId: this.saved.microphone,
        noiseSuppression: this.noiseSuppression(),
      }));
    } catch (error) {
      try {
        await this.usePreviewStream(await openStream({ noiseSuppression: this.noiseSuppression() }));
      } catch (secondError) {
        this.status(explainMediaError(secondError));
      }
    }
  }

  async usePreviewStream(camera) {
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.quietMeter();
    const stream = await this.backgrounds.wrap(camera); // the chosen background effect, if any
    this.showPreview(stream);
    this.stopMeter = meter(stream, $("mic-level"));
    const { cameras, microphones } = await listDevices();
    const video = camera.getVideoTracks()[0];
    const audio = stream.getAudioTracks()[0];
    fillSelect($("camera-select"), cameras, "Camera", video && video.getSettings().deviceId);
    fillSelect($("microphone-select"), microphones, "Microphone", audio && audio.getSettings().deviceId);
  }

  // The stream the meeting will get when we join, shown as the others will see it.
  showPreview(stream) {
    this.stream = stream;
    $("preview").srcObject = stream;
    $("preview-placeholder").hidden = true;
  }

  // Said in the lobby, and in the meeting too when the effect gave up there.
  effectsStatus(text, alsoInMeeting = false) {
    $("effects-status").textContent = text;
    if (alsoInMeeting && this.meeting && this.meeting.live) $("effects-notice").textContent = text;
  }

  quietMeter() {
    this.stopMeter();
    this.stopMeter = () => {};
  }

  noiseSuppression() {
    return this.saved.noiseSuppression !== false;
  }

  // Remembered for this browser. Chromium fixes a microphone's processing when it opens, so
  // the preview reopens with the new setting (and joining takes that stream).
  async setNoiseSuppression(on) {
    this.saved.noiseSuppression = on;
    this.save();
    await this.switchDevice();
  }

  async switchDevice() {
    const choice = {
      cameraId: $("camera-select").value,
      microphoneId: $("microphone-select").value,
      noiseSuppression: this.noiseSuppression(),
    };
    this.saved.camera = choice.cameraId;
    this.saved.microphone = choice.microphoneId;
    this.save();
    try {
      await this.usePreviewStream(await openStream(choice));
    } catch (error) {
      this.status(explainMediaError(error));
    }
  }

  nameError(text) {
    const error = $("display-name-error");
    error.hidden = !text;
    error.textContent = text || "";
    $("display-name").setAttribute("aria-invalid", text ? "true" : "false");
  }

  async join(event) {
    if (event) event.preventDefault();
    const name = $("display-name").value.trim();
    if (!name || name.length > MAX_NAME_LENGTH) {
      this.nameError(`Enter a name of 1 to ${MAX_NAME_LENGTH} characters so people know who you are.`);
      $("display-name").focus();
      return;
    }
    this.nameError("");
    this.saved.name = name;
    this.save();
    $("join-button").disabled = true;
    this.step("media");
    this.status("Getting camera and microphone…");
    await this.previewReady; // a quick click must not join before the camera is ready
    if (!this.stream) this.status("Joining without camera and microphone.");
    this.step("connect");
    this.status("Connecting to the room…");
    try {
      if (!this.meeting || this.meeting.ended) this.meeting = this.newMeeting();
      await this.meeting.connect();
      await this.requestJoin();
    } catch (error) {
      this.status(error.message || "Could not connect. Check your network and try again.");
      $("join-button").disabled = false;
      // A refused connection is not retried by Socket.IO: the next press starts a new one.
      if (this.meeting && !this.meeting.joined) {
        this.meeting.close();
        this.meeting = null;
      }
    }
  }

  newMeeting() {
    const meeting = new Meeting(this.config);
    meeting.addEventListener("knock-result", ({ detail }) => this.knockResult(detail));
    meeting.addEventListener("host-here", () => this.waiting && this.status("The host is here now. Waiting for them to let you in…"));
    meeting.addEventListener("host-gone", () => this.waiting && this.status(HOST_AWAY));
    this.onMeeting(meeting);
    return meeting;
  }

  async requestJoin() {
    this.step("meeting");
    const answer = await this.meeting.join({
      name: $("display-name").value.trim(),
      stream: this.stream,
      rtt: this.latency.results(),
    });
    $("join-button").disabled = false;
    if (answer.status === "joined") {
      this.quietMeter();
      this.stream = null; // the meeting owns the camera now, and stops it when it ends
      this.backgrounds.handOver(this.meeting);
    } else if (answer.status === "locked" || answer.status === "removed") {
      this.step("wait");
      this.status(answer.status === "removed"
        ? "The host removed you from this meeting. Knock if you want to ask to come back in."
        : "This room is locked. Knock, and the host can let you in.");
      $("join-button").hidden = true;
      $("knock-button").hidden = false;
      $("knock-button").disabled = false;
      $("knock-button").focus();
    } else if (answer.status === "full") {
      this.status(`This room is full: it holds ${answer.capacity} people. Try again when someone leaves.`);
      $("join-steps").hidden = true;
    } else if (answer.status === "read-only") {
      this.status("This room is paused because its owner's plan changed.");
    } else if (answer.status === "ended") {
      this.status("This meeting has ended. Nobody can join it any more.");
      $("join-steps").hidden = true;
    }
  }

  async knock() {
    $("knock-button").disabled = true;
    try {
      const answer = await this.meeting.knock($("display-name").value.trim());
      this.waiting = true;
      this.step("wait");
      this.status(answer.host_here === false
        ? HOST_AWAY
        : "Waiting for the host to let you in…");
    } catch (error) {
      this.status(error.message);
      $("knock-button").disabled = false;
    }
  }

  async knockResult({ admitted }) {
    this.waiting = false;
    if (admitted) {
      this.status("The host let you in.");
      $("knock-button").hidden = true;
      await this.requestJoin().catch((error) => this.status(error.message));
    } else {
      this.status("The host did not let you in this time.");
      $("knock-button").disabled = false;
    }
  }

  // After another tab took our place (or the server lost touch with this page): the same
  // ticket on a new connection takes the place back.
  async rejoinHere() {
    $("ended").hidden = true;
    $("lobby").hidden = false;
    $("join-button").hidden = false;
    $("knock-button").hidden = true;
    this.previewReady = this.startPreview();
    await this.join();
  }
}
