// The lobby: name, camera preview and device choice, the join button and its progress,
// and knocking on a locked room. Joining hands the camera to a Meeting.
import { explainMediaError, fillSelect, listDevices, meter, openStream } from "./media.js";
import { Meeting } from "./meeting.js";

const $ = (id) => document.getElementById(id);
const SAVED_KEY = "parlor.lobby";
const MAX_NAME_LENGTH = 50;
const HOST_AWAY = "The host isn't here yet. You will be let in when they arrive and answer.";

export class Lobby {
  constructor(config) {
    this.config = config;
    this.saved = JSON.parse(localStorage.getItem(SAVED_KEY) || "{}");
    this.stream = null;
    this.previewReady = Promise.resolve();
    this.stopMeter = () => {};
    this.meeting = null;
    this.waiting = false;
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
    window.addEventListener("pagehide", () => this.meeting && this.meeting.close());
    this.previewReady = this.startPreview();
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
    localStorage.setItem(SAVED_KEY, JSON.stringify(this.saved));
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

  async usePreviewStream(stream) {
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.quietMeter();
    this.stream = stream;
    $("preview").srcObject = stream;
    $("preview-placeholder").hidden = true;
    this.stopMeter = meter(stream, $("mic-level"));
    const { cameras, microphones } = await listDevices();
    const video = stream.getVideoTracks()[0];
    const audio = stream.getAudioTracks()[0];
    fillSelect($("camera-select"), cameras, "Camera", video && video.getSettings().deviceId);
    fillSelect($("microphone-select"), microphones, "Microphone", audio && audio.getSettings().deviceId);
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
    return meeting;
  }

  async requestJoin() {
    this.step("meeting");
    const answer = await this.meeting.join({ name: $("display-name").value.trim(), stream: this.stream });
    $("join-button").disabled = false;
    if (answer.status === "joined") {
      this.quietMeter();
      this.stream = null; // the meeting owns the camera now, and stops it when it ends
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
