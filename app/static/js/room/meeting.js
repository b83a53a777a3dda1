// One meeting on this page: the Socket.IO signaling, our camera and microphone, the
// connections to the others (a peer-to-peer mesh, or the room's video router) and the view.
// The lobby creates it when someone presses Join; it lives until it ends (left, removed,
// replaced by another tab), and a rejoin on the same page makes a new one.
import { FrameCrypto, canEncryptFrames } from "../e2ee/frame-crypto.js";
import { KeyExchange } from "../e2ee/key-exchange.js";
import { MeetingApps } from "./apps.js";
import { Breakout } from "./breakout.js";
import { EncryptionView } from "./encryption.js";
import { HostControls } from "./hosting.js";
import { RecordingConsent } from "./recording-consent.js";
import { MeetingRecorder } from "./recording.js";
import { Signaling } from "./signaling.js";
import { SpeakingMonitor } from "./speaking.js";
import { Stage } from "./stage.js";
import { MeetingTransport } from "./transport.js";
import { MeetingView } from "./ui.js";

const $ = (id) => document.getElementById(id);
const PRESENCE_INTERVAL_MS = 30000; // unless the server asks for more (auto rooms)

export class Meeting extends EventTarget {
  constructor(config) {
    super();
    this.config = config;
    this.signaling = new Signaling(config.ticket);
    this.name = "";
    this.stream = null;
    this.muted = Boolean(config.startMuted); // audio=off / video=off in an embedding site's link
    this.cameraOff = Boolean(config.startCameraOff);
    this.screenStream = null;
    this.selfId = null;
    this.view = null;
    this.transport = null;
    this.recorder = null;
    this.hosting = null;
    this.stage = null;
    this.speaking = null;
    this.apps = null;
    this.breakout = null;
    this.presenceTimer = null;
    this.joined = false;
    this.ended = false;
    // End-to-end encryption, when this browser can seal frames (the lobby says if it cannot).
    this.frameCrypto = canEncryptFrames() ? new FrameCrypto() : null;
    this.keys = this.frameCrypto ? new KeyExchange({ signaling: this.signaling, frameCrypto: this.frameCrypto }) : null;
    this.encryption = null;
    this.bindSignaling();
  }

  get live() {
    return this.joined && !this.ended;
  }

  connect() {
    return this.signaling.waitForConnection();
  }

  // What we tell the server about ourselves: the same on the first join and on every rejoin.
  joinPayload() {
    const hasVideo = Boolean(this.stream && this.stream.getVideoTracks().length);
    const payload = { name: this.name, muted: this.muted, camera: !this.cameraOff && hasVideo };
    if (this.keys) payload.key = this.keys.announcedKey; // our public key: the others wrap media keys with it
    // The lobby's median round-trip times to nearby nodes: the server places a new meeting by them.
    if (this.rtt && Object.keys(this.rtt).length) payload.rtt = this.rtt;
    return payload;
  }

  // Ask to come in. "joined" enters the meeting; the lobby explains any other answer.
  async join({ name, stream, rtt }) {
    this.name = name;
    this.stream = stream;
    this.rtt = rtt;
    if (stream) {
      stream.getAudioTracks().forEach((t) => { t.enabled = !this.muted; });
      stream.getVideoTracks().forEach((t) => { t.enabled = !this.cameraOff; });
    }
    if (this.keys && !this.keys.publicKey) await this.keys.start();
    const answer = await this.signaling.request("join", this.joinPayload());
    if (answer.status === "joined") this.enter(answer);
    return answer;
  }

  knock(name) {
    this.name = name;
    return this.signaling.request("knock", { name });
  }

  bindSignaling() {
    const signaling = this.signaling;
    // Meeting events mean nothing before we are in, or after we left.
    const inMeeting = (event, handler) => signaling.on(event, (payload) => this.live && handler(payload || {}));
    signaling.on("knock-result", (result) => this.dispatchEvent(new CustomEvent("knock-result", { detail: result })));
    signaling.on("host-here", () => this.dispatchEvent(new Event("host-here")));
    signaling.on("host-gone", () => this.dispatchEvent(new Event("host-gone")));
    inMeeting("role", (change) => {
      this.hosting.roleChanged(change);
      if (this.apps && change.id === this.selfId) this.apps.setHost(Boolean(change.host));
      if (change.id === this.selfId) this.stage.refresh(); // a new host may lower anyone's hand
      if (change.id === this.selfId) this.breakout.setHost(Boolean(change.host));
    });
    inMeeting("host-muted", ({ kind, by }) => this.hosting.mutedByHost(kind, by));
    inMeeting("waiting", ({ knocks }) => this.hosting.showWaiting(knocks || []));
    inMeeting("peer-joined", (person) => {
      if (person.id === this.selfId) return;
      this.breakout.personJoined(person);
      if (!this.breakout.inScope(person)) return; // someone in another breakout group (or the main room)
      this.personJoined(person);
      this.view.announce(`${person.name} joined.`);
      this.announcePeople();
    });
    inMeeting("hands", (change) => this.stage.handsChanged(change));
    inMeeting("reaction", (reaction) => this.stage.reacted(reaction));
    inMeeting("spotlight", (change) => this.stage.spotlightChanged(change));
    inMeeting("peer-left", ({ id }) => {
      this.breakout.personLeft(id);
      if (this.view.has(id)) this.removePerson(id);
    });
    // Breakout groups opened, moved us or closed: we meet our scope's people, on its way.
    inMeeting("breakout", (scope) => this.breakout.changed(scope));
    inMeeting("breakout-message", (message) => this.breakout.message(message));
    // A sender's media key, sealed for us alone: only ciphertext passes through the app.
    inMeeting("media-key", (message) => this.keys && this.keys.receive(message));
    // Only people on our list: nobody else gets a tile, a chat line or (in mesh.js) a connection.
    inMeeting("peer-media", (person) => this.view.has(person.id) && this.view.showPerson(person));
    inMeeting("chat", (message) => this.view.has(message.from) && this.view.addChat(message));
    inMeeting("knock", (knocker) => this.view.addKnock(knocker));
    inMeeting("knock-answered", ({ id }) => this.view.removeKnock(id));
    inMeeting("room-locked", ({ locked }) => this.view.setLocked(locked));
    // The meeting outgrew its mesh, or shrank back: move without leaving the page.
    // (A breakout group has its own way, which comes with the group's news.)
    inMeeting("transport", (state) => !this.breakout.group && this.transport.moveTo(state));
    inMeeting("recording", (state) => this.recordingChanged(state));
    // Apps: only from people on our list, and only while apps are on in this room.
    const fromPerson = (event, handler) => inMeeting(event, (p) => this.apps && this.view.has(p.by) && handler(p));
    fromPerson("app-open", (p) => this.apps.opened(p));
    fromPerson("app-close", () => this.apps.closed());
    fromPerson("app-control", (p) => this.apps.controlled(p));
    fromPerson("app-ask", (p) => this.apps.asked(p));
    fromPerson("app-state", (p) => this.apps.told(p));
    inMeeting("apps-locked", (p) => this.apps && this.apps.lockChanged(p));
    inMeeting("recording-answer", ({ id, answer }) => this.consent.setAnswer(id, answer));
    signaling.on("kicked", () => this.end("The host removed you from the meeting.", "You were removed"));
    signaling.on("replaced", () => this.end(
      "You joined from another tab or window, so this one left the meeting.",
      "You joined from another tab or window",
      { rejoinHere: true },
    ));
    // The server stopped hearing from this page (a sleeping laptop, a long network cut).
    signaling.on("removed", () => this.end(
      "This page was out of touch for too long, so it left the meeting.",
      "You were disconnected",
      { rejoinHere: true },
    ));
    signaling.addEventListener("disconnected", ({ detail }) => {
      if (!this.live) return;
      // Socket.IO never reconnects after the server hung up on purpose (without a notice above).
      if (detail === "io server disconnect") {
        this.end("The server closed this page's connection to the meeting.", "You were disconnected", { rejoinHere: true });
      } else {
        this.view.setNetwork("offline");
      }
    });
    signaling.addEventListener("connected", () => this.live && this.rejoin());
  }

  enter(answer) {
    this.joined = true;
    this.selfId = answer.self;
    const view = new MeetingView({
      host: answer.host,
      maxTiles: this.config.maxTiles,
      onKick: (id, person) => {
        if (confirm(`Remove ${person} from the meeting?`)) this.signaling.request("kick", { id }).catch((e) => alert(e.message));
      },
      onAdmit: (id) => this.signaling.request("admit", { id }).catch(() => view.removeKnock(id)),
      onDeny: (id) => this.signaling.request("deny", { id }).catch(() => view.removeKnock(id)),
      onStopSharing: () => this.stopScreen(),
    });
    this.view = view;
    if (this.keys) this.keys.selfId = answer.self;
    this.encryption = new EncryptionView({ view, keys: this.keys, frameCrypto: this.frameCrypto });
    view.onTile = (tile, id) => this.encryption.decorate(tile, id);
    this.speaking = new SpeakingMonitor((id, speaking) => {
      view.setSpeaking(id, speaking);
      if (this.stage) this.stage.speaking(id, speaking);
    });
    this.hosting = new HostControls({
      signaling: this.signaling,
      view,
      selfId: answer.self,
      host: answer.host,
      onMutedByHost: (kind) => this.mutedByHost(kind),
    });
    this.stage = new Stage({
      signaling: this.signaling,
      view,
      isHost: () => this.hosting.host,
      announce: (text) => view.announce(text),
    });
    this.stage.selfId = answer.self;
    const hostActions = view.personActions;
    view.personActions = (item, id, person) => {
      hostActions(item, id, person);
      this.stage.personActions(item, id, person);
    };
    view.onTilesChanged = () => this.stage.refresh();
    this.breakout = new Breakout({
      signaling: this.signaling,
      view,
      selfId: answer.self,
      host: answer.host,
      announce: (text) => view.announce(text),
      onScope: (scope) => this.enterScope(scope),
    });
    view.setToolbar({ muted: this.muted, cameraOff: this.cameraOff, sharing: false });
    const self = { id: answer.self, name: this.name, host: answer.host, cohost: answer.cohost, picture: this.config.picture };
    view.showPerson(Object.assign(self, this.joinPayload()), true);
    if (this.stream) view.attachStream("self", this.stream);
    if (this.stream) this.speaking.watch("self", this.stream);
    this.breakout.restore(answer.breakout);
    this.showPeople(answer.participants);
    this.stage.setQueue(answer.hands || []);
    this.stage.setSpotlight(answer.spotlight || null);
    answer.knocks.forEach((knocker) => view.addKnock(knocker));
    view.setLocked(answer.locked);
    view.setNetwork("connecting");
    this.transport = new MeetingTransport({
      signaling: this.signaling,
      view,
      localStream: this.stream,
      selfId: answer.self,
      iceServers: answer.ice.iceServers,
      viaNode: this.config.viaNode,
      frameCrypto: this.frameCrypto,
      onStream: (id, stream) => this.speaking.watch(id, stream),
      // The node's choice (audio levels, with hysteresis) leads the speaker view in large meetings.
      onSpeaker: (id) => this.stage && this.view.has(id) && this.stage.speaking(id, true),
    });
    this.transport.start(answer.transport);
    const every = answer.presence_every ? answer.presence_every * 1000 : PRESENCE_INTERVAL_MS;
    this.presenceTimer = setInterval(() => this.signaling.send("presence"), Math.min(every, PRESENCE_INTERVAL_MS));
    this.consent = new RecordingConsent({ signaling: this.signaling, view, selfId: answer.self });
    this.consent.update(answer.recording);
    if (Object.keys(this.config.appOrigins).length) {
      this.apps = new MeetingApps({ signaling: this.signaling, view, origins: this.config.appOrigins, host: answer.host, selfId: answer.self });
      this.apps.lockChanged({ locked: answer.apps_locked });
      this.apps.askOthers();
    }
    $("lobby").hidden = true;
    $("ended").hidden = true;
    $("meeting").hidden = false;
    document.title = `${this.config.room} · meeting · Parlor`;
    $("mic-toggle").focus();
    this.dispatchEvent(new CustomEvent("joined", { detail: { participants: this.view.ids().length + 1 } }));
  }

  // For an embedding page (embedding.js): how many are here now, ourselves included.
  announcePeople() {
    this.dispatchEvent(new CustomEvent("participants", { detail: { participants: this.view.ids().length + 1 } }));
  }

  // The server's list is the truth: whoever is not on it has gone.
  showPeople(participants) {
    const present = new Set(participants.map((person) => person.id));
    for (const id of this.view.ids()) if (!present.has(id)) this.removePerson(id);
    for (const person of participants) if (person.id !== this.selfId) this.view.showPerson(person);
    if (this.keys) participants.forEach((person) => this.keys.learn(person));
    this.showEncryption();
  }

  personJoined(person) {
    this.view.showPerson(person);
    if (this.keys) this.keys.joined(person);
    this.showEncryption();
  }

  // A breakout group opened, closed or moved us: whoever is not in our scope now is gone from
  // here (their keys too: we rotate ours, as when someone leaves), and the newcomers arrive.
  enterScope({ participants, transport }) {
    const present = new Set(participants.map((person) => person.id));
    for (const id of this.view.ids()) if (!present.has(id)) this.removePerson(id, { quiet: true });
    const newcomers = participants.filter((person) => person.id !== this.selfId && !this.view.has(person.id));
    for (const person of participants) if (this.view.has(person.id)) this.view.showPerson(person);
    newcomers.forEach((person) => this.personJoined(person));
    this.transport.rescope(transport, newcomers.map((person) => person.id));
    this.announcePeople();
  }

  removePerson(id, { quiet = false } = {}) {
    const person = this.view.people.get(id);
    if (person && this.view.has(id) && !quiet) this.view.announce(`${person.name} left.`);
    this.view.removePerson(id);
    this.announcePeople();
    if (this.keys) this.keys.left(id);
    this.speaking.unwatch(id);
    this.stage.personLeft(id);
    if (this.transport) this.transport.personLeft(id);
    this.showEncryption();
  }

  // Frames are sealed unless someone whose browser cannot open them is in (rooms may allow it).
  showEncryption() {
    const everyone = [...this.view.people.values()];
    this.encryption.setMeetingEncrypted(Boolean(this.frameCrypto) && everyone.every((person) => person.e2ee !== false));
  }

  // Socket.IO came back after a drop and the server may have forgotten us: join again, the
  // same way as the first time, and rebuild the peer connections.
  async rejoin() {
    this.view.setNetwork("reconnecting");
    try {
      const answer = await this.signaling.request("join", this.joinPayload());
      if (answer.status !== "joined") return this.end("You lost your place in the meeting.", "Disconnected");
      this.selfId = answer.self;
      if (this.keys) this.keys.selfId = answer.self;
      this.hosting.selfId = answer.self;
      this.hosting.setHost(answer.host);
      this.hosting.showWaiting(answer.knocks);
      this.stage.selfId = answer.self;
      this.breakout.selfId = answer.self;
      this.breakout.restore(answer.breakout);
      this.showPeople(answer.participants);
      if (this.keys) this.keys.resend();
      this.stage.setQueue(answer.hands || []);
      this.stage.setSpotlight(answer.spotlight || null);
      this.consent.selfId = answer.self;
      this.consent.update(answer.recording);
      this.transport.rejoined({ selfId: answer.self, transport: answer.transport });
    } catch (error) {
      this.view.setNetwork("offline");
    }
  }

  // Resolves once the server has it: a new screen's stream id must reach the others before the
  // screen itself does, so they give it a tile of its own.
  sendMediaState() {
    const state = { muted: this.muted, camera: !this.cameraOff, screen: Boolean(this.screenStream) };
    if (this.screenStream) state.screen_stream = this.screenStream.id;
    this.view.showPerson(Object.assign({ id: this.selfId }, state), true);
    this.view.setToolbar({ muted: this.muted, cameraOff: this.cameraOff, sharing: state.screen });
    return this.signaling.request("media", state).catch((error) => console.warn("media state", error));
  }

  toggleMic(quiet = false) {
    this.muted = !this.muted;
    if (this.stream) this.stream.getAudioTracks().forEach((t) => { t.enabled = !this.muted; });
    this.sendMediaState();
    if (!quiet) this.view.announce(this.muted ? "Microphone off." : "Microphone on.");
  }

  toggleHand() {
    return this.stage.toggleHand();
  }

  // A host asked: switch off here (the track sends silence or black from now on); the person
  // can switch back on themselves. Returns whether anything changed.
  mutedByHost(kind) {
    if (kind === "audio" && !this.muted) this.toggleMic(true);
    else if (kind === "video" && !this.cameraOff) this.toggleCamera();
    else return false;
    return true;
  }

  toggleCamera() {
    this.cameraOff = !this.cameraOff;
    if (this.stream) this.stream.getVideoTracks().forEach((t) => { t.enabled = !this.cameraOff; });
    this.sendMediaState();
    this.view.announce(this.cameraOff ? "Camera off." : "Camera on.");
  }

  // Our camera goes out as ``track`` from now on (a background effect started in the meeting
  // reads the camera and makes a new track): in our own tile, on every connection, and in the
  // local stream, so connections made later take it too. The camera under it keeps running.
  async replaceCamera(track) {
    const old = this.stream && this.stream.getVideoTracks()[0];
    if (!old || old === track) return;
    track.enabled = !this.cameraOff;
    this.stream.removeTrack(old);
    this.stream.addTrack(track);
    if (this.view) {
      this.view.attachStream("self", null); // the same stream object: make the tile take the new track
      this.view.attachStream("self", this.stream);
    }
    if (this.transport) await this.transport.replaceVideoTrack(track, old);
  }

  // A shared screen goes out beside the camera, as a stream of its own (transport.js keeps it
  // across a move between peer-to-peer and the node).
  async toggleScreen() {
    if (this.screenStream) return this.stopScreen();
    let display;
    try {
      display = await navigator.mediaDevices.getDisplayMedia({ video: true });
    } catch (error) {
      if (error.name !== "NotAllowedError") alert("Screen sharing could not start.");
      return;
    }
    this.screenStream = display;
    display.getVideoTracks()[0].addEventListener("ended", () => this.stopScreen());
    this.view.attachScreen("self", display);
    await this.sendMediaState();
    await this.transport.setScreen(display);
    this.view.announce("You are sharing your screen.");
  }

  async stopScreen() {
    if (!this.screenStream) return;
    const display = this.screenStream;
    this.screenStream = null;
    await this.transport.setScreen(null);
    display.getTracks().forEach((t) => t.stop());
    await this.sendMediaState();
    this.view.announce("You stopped sharing your screen.");
  }

  async sendChat(input) {
    const text = input.value.trim();
    if (!text) return;
    try {
      const answer = await this.signaling.request("chat", { text });
      this.view.addChat({ name: "You", text, at: answer.at, self: true });
      input.value = "";
    } catch (error) {
      this.view.addChat({ name: "Parlor", text: error.message, at: Date.now(), self: false });
    }
  }

  setLocked(locked) {
    this.signaling.request("lock", { locked }).then((a) => this.view.setLocked(a.locked)).catch((e) => alert(e.message));
  }

  // Recording runs in this browser; the server asks everyone else whether to include them.
  async toggleRecording() {
    if (this.recorder && this.recorder.active) {
      await this.recorder.stop(this.config.room);
      this.signaling.request("recording", { active: false }).catch(() => {});
      this.view.setRecordingButton(false);
      return;
    }
    this.recorder = this.recorder || new MeetingRecorder($("tiles"), (id) => this.consent.included(id));
    try {
      this.recorder.start();
    } catch (error) {
      alert("This browser cannot record the meeting.");
      return;
    }
    try {
      await this.signaling.request("recording", { active: true });
    } catch (error) {
      await this.recorder.stop(null);
      alert(error.message);
      return;
    }
    this.view.setRecordingButton(true);
  }

  recordingChanged(state) {
    this.consent.update(state);
    // Someone ended our recording for us (we rejoined after a drop): keep the file anyway.
    if (!this.consent.active && this.recorder && this.recorder.active) {
      this.recorder.stop(this.config.room);
      this.view.setRecordingButton(false);
    }
  }

  leave() {
    this.dispatchEvent(new Event("leave"));
    this.signaling.send("leave");
    this.end("Thanks for meeting in Parlor.");
  }

  // Stop everything for good. ``rejoinHere`` offers to take the meeting back on this page
  // (the same ticket), where a plain rejoin goes through the lobby again.
  end(message, title = "You left the meeting", { rejoinHere = false } = {}) {
    if (this.ended) return;
    this.ended = true;
    if (this.recorder && this.recorder.active) this.recorder.stop(this.config.room);
    clearInterval(this.presenceTimer);
    if (this.hosting) this.hosting.close();
    if (this.breakout) this.breakout.close();
    if (this.speaking) this.speaking.close();
    if (this.consent) this.consent.close();
    if (this.apps) this.apps.close();
    if (this.transport) this.transport.close();
    if (this.frameCrypto) this.frameCrypto.close();
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    if (this.screenStream) this.screenStream.getTracks().forEach((t) => t.stop());
    this.signaling.close();
    $("lobby").hidden = true;
    $("meeting").hidden = true;
    $("ended").hidden = false;
    $("ended-title").textContent = title;
    $("ended-message").textContent = message;
    $("rejoin-here").hidden = !rejoinHere;
    $("rejoin-link").hidden = rejoinHere;
    this.dispatchEvent(new Event("ended"));
  }

  close() {
    this.signaling.close();
  }
}
