// The room page: lobby first (preview, devices, name), then the meeting itself.
import { explainMediaError, fillSelect, listDevices, meter, openStream } from "./media.js";
import { Mesh } from "./mesh.js";
import { MeetingRecorder } from "./recording.js";
import { Signaling } from "./signaling.js";
import { MeetingView } from "./ui.js";

const $ = (id) => document.getElementById(id);
const app = $("room-app");
const config = {
  ticket: app.dataset.ticket,
  room: app.dataset.room,
  mode: app.dataset.mode,
  host: app.dataset.host === "true",
  readOnly: app.dataset.readOnly === "true",
};
const saved = JSON.parse(localStorage.getItem("parlor.lobby") || "{}");

const state = {
  recorder: null, stream: null, previewReady: Promise.resolve(), stopMeter: () => {}, signaling: null, mesh: null, sfu: null, view: null,
  selfId: null, muted: false, cameraOff: false, screenTrack: null, joined: false, leaving: false, presenceTimer: null,
};

function status(text) {
  $("join-status").textContent = text;
}

function step(name) {
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

async function startPreview() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    status("This browser cannot use a camera here. Use a current browser over https.");
    return;
  }
  try {
    const stream = await openStream({ cameraId: saved.camera, microphoneId: saved.microphone });
    usePreviewStream(stream);
  } catch (error) {
    try {
      usePreviewStream(await openStream());
    } catch (secondError) {
      status(explainMediaError(secondError));
    }
  }
}

async function usePreviewStream(stream) {
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  state.stopMeter();
  state.stream = stream;
  $("preview").srcObject = stream;
  $("preview-placeholder").hidden = true;
  state.stopMeter = meter(stream, $("mic-level"));
  const { cameras, microphones } = await listDevices();
  const video = stream.getVideoTracks()[0];
  const audio = stream.getAudioTracks()[0];
  fillSelect($("camera-select"), cameras, "Camera", video && video.getSettings().deviceId);
  fillSelect($("microphone-select"), microphones, "Microphone", audio && audio.getSettings().deviceId);
}

async function switchDevice() {
  const choice = { cameraId: $("camera-select").value, microphoneId: $("microphone-select").value };
  saved.camera = choice.cameraId;
  saved.microphone = choice.microphoneId;
  localStorage.setItem("parlor.lobby", JSON.stringify(saved));
  try {
    await usePreviewStream(await openStream(choice));
  } catch (error) {
    status(explainMediaError(error));
  }
}

function nameError(text) {
  const error = $("display-name-error");
  error.hidden = !text;
  error.textContent = text || "";
  $("display-name").setAttribute("aria-invalid", text ? "true" : "false");
}

async function join(event) {
  if (event) event.preventDefault();
  const name = $("display-name").value.trim();
  if (!name || name.length > 50) {
    nameError("Enter a name of 1 to 50 characters so people know who you are.");
    $("display-name").focus();
    return;
  }
  nameError("");
  saved.name = name;
  localStorage.setItem("parlor.lobby", JSON.stringify(saved));
  $("join-button").disabled = true;
  step("media");
  status("Getting camera and microphone…");
  await state.previewReady; // a quick click must not join before the camera is ready
  if (!state.stream) status("Joining without camera and microphone.");
  step("connect");
  status("Connecting to the room…");
  try {
    if (!state.signaling) {
      state.signaling = new Signaling(config.ticket);
      bindSignaling(state.signaling);
    }
    await state.signaling.waitForConnection();
    await requestJoin(name);
  } catch (error) {
    status(error.message || "Could not connect. Check your network and try again.");
    $("join-button").disabled = false;
  }
}

async function requestJoin(name) {
  step("meeting");
  const answer = await state.signaling.request("join", {
    name, muted: state.muted, camera: !state.cameraOff && Boolean(state.stream && state.stream.getVideoTracks().length),
  });
  if (answer.status === "joined") return enterMeeting(answer, name);
  $("join-button").disabled = false;
  if (answer.status === "locked") {
    step("wait");
    status("This room is locked. Knock, and the host can let you in.");
    $("join-button").hidden = true;
    $("knock-button").hidden = false;
    $("knock-button").focus();
  } else if (answer.status === "full") {
    status(`This room is full: it holds ${answer.capacity} people. Try again when someone leaves.`);
    $("join-steps").hidden = true;
  } else if (answer.status === "read-only") {
    status("This room is paused because its owner's plan changed.");
  }
}

async function knock() {
  const name = $("display-name").value.trim();
  $("knock-button").disabled = true;
  try {
    await state.signaling.request("knock", { name });
    step("wait");
    status("Waiting for the host to let you in…");
  } catch (error) {
    status(error.message);
    $("knock-button").disabled = false;
  }
}

function bindSignaling(signaling) {
  signaling.on("knock-result", async ({ admitted }) => {
    if (admitted) {
      status("The host let you in.");
      $("knock-button").hidden = true;
      await requestJoin($("display-name").value.trim()).catch((error) => status(error.message));
    } else {
      status("The host did not let you in this time.");
      $("knock-button").disabled = false;
    }
  });
  signaling.on("peer-joined", (person) => state.view && state.view.showPerson(person));
  signaling.on("peer-left", ({ id }) => {
    if (!state.view) return;
    state.view.removePerson(id);
    if (state.mesh) state.mesh.closePeer(id);
  });
  signaling.on("peer-media", (person) => state.view && state.view.showPerson(person));
  signaling.on("chat", (message) => state.view && state.view.addChat(message));
  signaling.on("knock", (knocker) => state.view && state.view.addKnock(knocker));
  signaling.on("knock-answered", ({ id }) => state.view && state.view.removeKnock(id));
  signaling.on("room-locked", ({ locked }) => updateLockButton(locked));
  signaling.on("recording", ({ active }) => {
    $("recording-state").hidden = !active;
    if (state.view) state.view.setRecording(active);
  });
  signaling.on("kicked", () => end("The host removed you from the meeting.", "You were removed"));
  signaling.addEventListener("disconnected", () => {
    if (state.joined && !state.leaving) state.view.setNetwork("offline");
  });
  signaling.addEventListener("connected", async () => {
    if (!state.joined || state.leaving) return;
    // The server forgot us when the socket dropped: join again and rebuild connections.
    try {
      const answer = await signaling.request("join", { name: saved.name, muted: state.muted, camera: !state.cameraOff });
      if (answer.status !== "joined") return end("You lost your place in the meeting.", "Disconnected");
      state.selfId = answer.self;
      for (const person of answer.participants) state.view.showPerson(person);
      if (state.mesh) {
        state.mesh.close();
        state.mesh.selfId = answer.self;
        answer.participants.forEach((p) => state.mesh.connect(p.id));
      }
      state.view.setNetwork(state.mesh ? state.mesh.overallState() : "connected");
    } catch (error) {
      state.view.setNetwork("offline");
    }
  });
}

async function enterMeeting(answer, name) {
  state.joined = true;
  state.selfId = answer.self;
  $("lobby").hidden = true;
  $("meeting").hidden = false;
  state.stopMeter();
  const view = new MeetingView({
    host: answer.host,
    onKick: (id, person) => {
      if (confirm(`Remove ${person} from the meeting?`)) state.signaling.request("kick", { id }).catch((e) => alert(e.message));
    },
    onAdmit: (id) => state.signaling.request("admit", { id }).catch(() => view.removeKnock(id)),
    onDeny: (id) => state.signaling.request("deny", { id }).catch(() => view.removeKnock(id)),
  });
  state.view = view;
  view.showPerson({ id: answer.self, name, host: answer.host, muted: state.muted, camera: Boolean(state.stream) }, true);
  if (state.stream) view.attachStream("self", state.stream);
  answer.participants.forEach((person) => view.showPerson(person));
  answer.knocks.forEach((knocker) => view.addKnock(knocker));
  updateLockButton(answer.locked);
  view.setNetwork("connecting");
  if (answer.mode === "large") {
    const { startLargeMeeting } = await import("./sfu.js");
    state.sfu = await startLargeMeeting({ signaling: state.signaling, view, localStream: state.stream });
  } else {
    const mesh = new Mesh({
      selfId: answer.self, signaling: state.signaling, iceServers: answer.ice.iceServers, localStream: state.stream,
    });
    mesh.addEventListener("track", ({ detail }) => view.attachStream(detail.peerId, detail.stream));
    mesh.addEventListener("state", ({ detail }) => view.setNetwork(detail));
    answer.participants.forEach((person) => mesh.connect(person.id));
    state.mesh = mesh;
    view.setNetwork(mesh.overallState());
  }
  state.presenceTimer = setInterval(() => state.signaling.send("presence"), 30000);
  document.title = `${config.room} · meeting · Parlor`;
  $("mic-toggle").focus();
}

function updateLockButton(locked) {
  const button = $("lock-toggle");
  if (!button) return;
  button.setAttribute("aria-pressed", String(locked));
  button.textContent = locked ? "Unlock room" : "Lock room";
}

function sendMediaState() {
  const payload = { muted: state.muted, camera: !state.cameraOff, screen: Boolean(state.screenTrack) };
  state.signaling.send("media", payload);
  state.view.showPerson(Object.assign({ id: state.selfId }, payload), true);
}

function toggleMic() {
  state.muted = !state.muted;
  if (state.stream) state.stream.getAudioTracks().forEach((t) => { t.enabled = !state.muted; });
  $("mic-toggle").setAttribute("aria-pressed", String(state.muted));
  $("mic-toggle").textContent = state.muted ? "Unmute" : "Mute";
  sendMediaState();
}

function toggleCamera() {
  state.cameraOff = !state.cameraOff;
  if (state.stream) state.stream.getVideoTracks().forEach((t) => { t.enabled = !state.cameraOff; });
  $("camera-toggle").setAttribute("aria-pressed", String(state.cameraOff));
  $("camera-toggle").textContent = state.cameraOff ? "Start camera" : "Stop camera";
  sendMediaState();
}

async function replaceOutgoingVideo(track) {
  if (state.mesh) await state.mesh.replaceVideoTrack(track);
  if (state.sfu) await state.sfu.replaceVideoTrack(track);
}

async function toggleScreen() {
  if (state.screenTrack) return stopScreen();
  try {
    const display = await navigator.mediaDevices.getDisplayMedia({ video: true });
    state.screenTrack = display.getVideoTracks()[0];
    state.screenTrack.addEventListener("ended", stopScreen);
    await replaceOutgoingVideo(state.screenTrack);
    state.view.attachStream("self", display);
    $("screen-toggle").setAttribute("aria-pressed", "true");
    $("screen-toggle").textContent = "Stop sharing";
    sendMediaState();
  } catch (error) {
    if (error.name !== "NotAllowedError") alert("Screen sharing could not start.");
  }
}

async function stopScreen() {
  if (!state.screenTrack) return;
  state.screenTrack.stop();
  state.screenTrack = null;
  const camera = state.stream ? state.stream.getVideoTracks()[0] : null;
  await replaceOutgoingVideo(camera || null);
  if (state.stream) state.view.attachStream("self", state.stream);
  $("screen-toggle").setAttribute("aria-pressed", "false");
  $("screen-toggle").textContent = "Share screen";
  sendMediaState();
}

async function sendChat(event) {
  event.preventDefault();
  const input = $("chat-input");
  const text = input.value.trim();
  if (!text) return;
  try {
    const answer = await state.signaling.request("chat", { text });
    state.view.addChat({ name: "You", text, at: answer.at, self: true });
    input.value = "";
  } catch (error) {
    state.view.addChat({ name: "Parlor", text: error.message, at: Date.now(), self: false });
  }
}

async function toggleRecording() {
  const button = $("record-toggle");
  if (state.recorder && state.recorder.active) {
    await state.recorder.stop(config.room);
    state.signaling.send("recording", { active: false });
    button.setAttribute("aria-pressed", "false");
    button.textContent = "Record";
    return;
  }
  if (!confirm("Recording needs everyone's consent. Have you asked them? The file is saved on this computer only.")) {
    return;
  }
  state.recorder = state.recorder || new MeetingRecorder($("tiles"));
  try {
    state.recorder.start();
  } catch (error) {
    alert("This browser cannot record the meeting.");
    return;
  }
  await state.signaling.request("recording", { active: true }).catch((error) => alert(error.message));
  button.setAttribute("aria-pressed", "true");
  button.textContent = "Stop recording";
}

function end(message, title = "You left the meeting") {
  state.leaving = true;
  if (state.recorder && state.recorder.active) state.recorder.stop(config.room);
  clearInterval(state.presenceTimer);
  if (state.mesh) state.mesh.close();
  if (state.sfu) state.sfu.close();
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  if (state.screenTrack) state.screenTrack.stop();
  if (state.signaling) state.signaling.close();
  $("lobby").hidden = true;
  $("meeting").hidden = true;
  $("ended").hidden = false;
  $("ended-title").textContent = title;
  $("ended-message").textContent = message;
}

function bindControls() {
  $("camera-select").addEventListener("change", switchDevice);
  $("microphone-select").addEventListener("change", switchDevice);
  $("mic-toggle").addEventListener("click", toggleMic);
  $("camera-toggle").addEventListener("click", toggleCamera);
  $("screen-toggle").addEventListener("click", toggleScreen);
  $("chat-toggle").addEventListener("click", () => state.view.openPanel("chat", false));
  $("people-toggle").addEventListener("click", () => state.view.openPanel("people", false));
  $("chat-form").addEventListener("submit", sendChat);
  $("leave-button").addEventListener("click", () => {
    if (state.signaling) state.signaling.send("leave");
    end("Thanks for meeting in Parlor.");
  });
  if ($("record-toggle")) $("record-toggle").addEventListener("click", toggleRecording);
  const lock = $("lock-toggle");
  if (lock) {
    lock.addEventListener("click", () => {
      const locked = lock.getAttribute("aria-pressed") !== "true";
      state.signaling.request("lock", { locked }).then((a) => updateLockButton(a.locked)).catch((e) => alert(e.message));
    });
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) $("screen-toggle").hidden = true;
  window.addEventListener("pagehide", () => state.signaling && state.signaling.close());
}

if (!config.readOnly) {
  if (saved.name && !$("display-name").value) $("display-name").value = saved.name;
  $("join-form").addEventListener("submit", join);
  $("knock-button").addEventListener("click", knock);
  bindControls();
  state.previewReady = startPreview();
}
