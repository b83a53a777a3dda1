// The meeting's visible parts: video tiles, the people list, knocks, chat and the toolbar's state.
import { ScreenTiles } from "./screens.js";

const $ = (id) => document.getElementById(id);

// Pictures come from the server, but only our own origin may be asked for one (the CSP agrees).
function sameOriginPicture(url) {
  if (typeof url !== "string" || !url) return null;
  try {
    const parsed = new URL(url, location.href);
    return parsed.origin === location.origin ? parsed.href : null;
  } catch {
    return null;
  }
}

// "host" for the owner or a host-link holder (or a co-host who took over), "co-host" for the others.
function roleBadge(person) {
  if (person.cohost) return "co-host";
  return person.host ? "host" : "";
}

export class MeetingView {
  constructor({ host, maxTiles, onKick, onAdmit, onDeny, onStopSharing }) {
    this.host = host;
    this.maxTiles = maxTiles;
    this.onKick = onKick;
    this.onAdmit = onAdmit;
    this.onDeny = onDeny;
    this.people = new Map();
    this.unread = 0;
    this.personActions = null; // hosting.js adds a host's buttons beside each person
    this.onTile = null; // encryption.js adds "Verify encryption" to each remote tile
    this.onKnocksChanged = null;
    this.onTilesChanged = null; // stage.js re-marks hands and the featured tile
    this.screens = new ScreenTiles({ onStop: onStopSharing });
    this.spoken = 0; // a counter, so "who spoke last" orders people without clocks
    // A rejoin on this page starts from a clean meeting, not the last one's leftovers.
    for (const id of ["tiles", "people-list", "knock-list", "chat-log"]) $(id).replaceChildren();
    $("chat-unread").hidden = true;
  }

  // Is this id someone in the meeting now (not us)?
  has(id) {
    return id !== "self" && this.people.has(id);
  }

  ids() {
    return [...this.people.keys()].filter((id) => id !== "self");
  }

  tile(id) {
    let tile = document.querySelector(`.tile[data-id="${CSS.escape(id)}"]`);
    if (!tile) {
      tile = document.createElement("figure");
      tile.className = "tile";
      tile.dataset.id = id;
      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      if (id === "self") video.muted = true;
      const face = document.createElement("span");
      face.className = "tile-face";
      face.setAttribute("aria-hidden", "true");
      const caption = document.createElement("figcaption");
      const name = document.createElement("span");
      name.className = "tile-name";
      const status = document.createElement("span");
      status.className = "tile-status";
      caption.append(name, status);
      tile.append(video, face, caption);
      $("tiles").append(tile);
      if (this.onTile) this.onTile(tile, id);
      this.layout();
    }
    return tile;
  }

  showPerson(person, isSelf = false) {
    const id = isSelf ? "self" : person.id;
    this.people.set(id, Object.assign(this.people.get(id) || {}, person, { self: isSelf }));
    const tile = this.tile(id);
    const data = this.people.get(id);
    tile.querySelector(".tile-name").textContent = isSelf ? `${data.name} (you)` : data.name;
    this.showFace(tile.querySelector(".tile-face"), data);
    const flags = [];
    const badge = roleBadge(data);
    if (badge) flags.push(badge);
    if (data.muted) flags.push("muted");
    if (data.camera === false) flags.push("camera off");
    if (data.screen) flags.push("sharing screen");
    if (data.videoPaused) flags.push("video paused (slow connection)");
    tile.querySelector(".tile-status").textContent = flags.length ? ` · ${flags.join(", ")}` : "";
    tile.classList.toggle("camera-off", data.camera === false);
    tile.classList.toggle("video-paused", Boolean(data.videoPaused));
    tile.setAttribute("aria-label", `${data.name}${flags.length ? ", " + flags.join(", ") : ""}`);
    this.screens.show(id, data.name, Boolean(data.screen));
    this.renderPeople();
  }

  // Is ``stream`` the one this person said their shared screen travels on (peer-to-peer)?
  isScreenStream(id, stream) {
    const person = this.people.get(id);
    return Boolean(person && person.screen_stream && person.screen_stream === stream.id);
  }

  attachScreen(id, stream) {
    this.screens.attach(id, stream);
    const person = this.people.get(id);
    if (person) this.screens.show(id, person.name, Boolean(person.screen));
    this.layout();
  }

  // The node stopped sending these people's camera (and these people's screen) because our link
  // cannot carry them with everyone's sound (sfu_node/budget.py); each resumes when it can.
  setVideoPaused(cameras = [], screens = []) {
    const paused = new Set(cameras);
    let more = false;
    for (const id of this.ids()) {
      const person = this.people.get(id);
      if (Boolean(person.videoPaused) === paused.has(id)) continue;
      more ||= paused.has(id);
      this.showPerson({ id, videoPaused: paused.has(id) });
    }
    more = this.screens.setPaused(new Set(screens)) || more;
    if (more) this.announce("Some videos are paused so that you keep hearing everyone on your slow connection.");
  }

  // The audio level crossed the speech threshold (speaking.js): highlight the tile, and move
  // the person to the top of the people list.
  setSpeaking(id, speaking) {
    const tile = document.querySelector(`.tile[data-id="${CSS.escape(id)}"]`);
    if (tile) tile.classList.toggle("speaking", speaking);
    const person = this.people.get(id);
    if (!person || !speaking) return;
    this.spoken += 1;
    person.spokeAt = this.spoken;
    this.renderPeople();
  }

  // Read out by screen readers (politely), never shown.
  announce(text) {
    const region = $("announcer");
    region.textContent = "";
    setTimeout(() => { region.textContent = text; }, 50);
  }

  // Shown while the camera is off: the person's profile picture if they have one, else an initial.
  showFace(face, person) {
    const picture = sameOriginPicture(person.picture);
    if (!picture) {
      face.textContent = (person.name || "?").slice(0, 1).toUpperCase();
      return;
    }
    let image = face.querySelector("img");
    if (!image) {
      image = document.createElement("img");
      image.className = "tile-picture";
      image.alt = "";
      face.replaceChildren(image);
    }
    if (image.src !== picture) image.src = picture;
  }

  attachStream(id, stream) {
    const video = this.tile(id).querySelector("video");
    if (video.srcObject !== stream) video.srcObject = stream;
  }

  removePerson(id) {
    this.people.delete(id);
    const tile = document.querySelector(`.tile[data-id="${CSS.escape(id)}"]`);
    if (tile) tile.remove();
    this.screens.remove(id);
    this.layout();
    this.renderPeople();
  }

  layout() {
    const count = document.querySelectorAll(".tile").length;
    $("tiles").dataset.count = String(Math.min(count, this.maxTiles));
    if (this.onTilesChanged) this.onTilesChanged();
  }

  renderPeople() {
    const list = $("people-list");
    list.replaceChildren();
    // Whoever spoke last first; those who have not spoken yet keep the order they came in.
    const ordered = [...this.people].sort(([, a], [, b]) => (b.spokeAt || 0) - (a.spokeAt || 0));
    for (const [id, person] of ordered) {
      const item = document.createElement("li");
      item.dataset.id = id;
      const label = document.createElement("span");
      const badge = roleBadge(person);
      label.textContent = `${person.name}${person.self ? " (you)" : ""}${badge ? ` · ${badge}` : ""}${person.muted ? " · muted" : ""}`;
      item.append(label);
      if (this.personActions) this.personActions(item, id, person);
      if (this.host && !person.self && !person.host) {
        const kick = document.createElement("button");
        kick.type = "button";
        kick.className = "button button-small button-ghost";
        kick.textContent = "Remove";
        kick.setAttribute("aria-label", `Remove ${person.name} from the meeting`);
        kick.addEventListener("click", () => this.onKick(id, person.name));
        item.append(kick);
      }
      list.append(item);
    }
    $("people-count").textContent = String(this.people.size);
  }

  addKnock({ id, name, waited = 0 }) {
    if (document.querySelector(`#knock-list [data-id="${CSS.escape(id)}"]`)) return;
    const item = document.createElement("li");
    item.dataset.id = id;
    item.className = "knock";
    const text = document.createElement("span");
    text.textContent = `${name} is knocking`;
    const wait = document.createElement("span");
    wait.className = "knock-wait";
    text.append(wait);
    const admit = document.createElement("button");
    admit.type = "button";
    admit.className = "button button-small";
    admit.textContent = "Let in";
    admit.setAttribute("aria-label", `Let ${name} in`);
    admit.addEventListener("click", () => this.onAdmit(id));
    const deny = document.createElement("button");
    deny.type = "button";
    deny.className = "button button-small button-ghost";
    deny.textContent = "Deny";
    deny.setAttribute("aria-label", `Do not let ${name} in`);
    deny.addEventListener("click", () => this.onDeny(id));
    item.append(text, admit, deny);
    $("knock-list").append(item);
    this.openPanel("people");
    if (this.onKnocksChanged) this.onKnocksChanged({ id, waited });
  }

  removeKnock(id) {
    const item = document.querySelector(`#knock-list [data-id="${CSS.escape(id)}"]`);
    if (item) item.remove();
    if (this.onKnocksChanged) this.onKnocksChanged(null);
  }

  addChat({ name, text, at, self }) {
    const item = document.createElement("li");
    item.className = self ? "chat-self" : "";
    const who = document.createElement("strong");
    who.textContent = self ? "You" : name;
    const when = document.createElement("time");
    when.textContent = new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const body = document.createElement("p");
    body.textContent = text; // never innerHTML: chat is untrusted text
    item.append(who, " ", when, body);
    $("chat-log").append(item);
    item.scrollIntoView({ block: "end" });
    if ($("chat-panel").hidden && !self) {
      this.unread += 1;
      $("chat-unread").hidden = false;
      $("chat-unread").textContent = String(this.unread);
    }
  }

  // Toggle a side panel from its button, or force it open (``keepOpen``) when something arrives.
  openPanel(which, keepOpen = true) {
    const panels = { chat: $("chat-panel"), people: $("people-panel"), apps: $("apps-panel") };
    for (const [name, panel] of Object.entries(panels)) {
      const open = name === which ? (keepOpen || panel.hidden) : false;
      panel.hidden = !open;
      $(`${name}-toggle`).setAttribute("aria-pressed", String(open));
    }
    $("side-panel").hidden = Object.values(panels).every((p) => p.hidden);
    if (which === "chat" && !panels.chat.hidden) {
      this.unread = 0;
      $("chat-unread").hidden = true;
      $("chat-input").focus();
    }
  }

  setRecording(active) {
    document.getElementById("tiles").classList.toggle("recording", active);
  }

  // What "connected" means right now: which way the media travels (transport.js).
  setConnectedLabel(label) {
    this.connectedLabel = label;
    if ($("network-state").dataset.state === "connected") this.setNetwork("connected");
  }

  setNetwork(state) {
    const labels = {
      connecting: "Connecting…",
      connected: this.connectedLabel || "Connected",
      reconnecting: "Reconnecting…",
      offline: "Offline: trying to reconnect…",
      weak: "Weak connection",
      "router-failed": "The video router refused the connection. Reload to try again.",
    };
    const element = $("network-state");
    element.dataset.state = state;
    element.textContent = labels[state] || state;
  }

  // The toolbar's toggles say what pressing them would do.
  setToolbar({ muted, cameraOff, sharing }) {
    const set = (id, pressed, label) => {
      $(id).setAttribute("aria-pressed", String(pressed));
      $(id).textContent = label;
    };
    set("mic-toggle", muted, muted ? "Unmute" : "Mute");
    set("camera-toggle", cameraOff, cameraOff ? "Start camera" : "Stop camera");
    set("screen-toggle", sharing, sharing ? "Stop sharing" : "Share screen");
  }

  setLocked(locked) {
    const button = $("lock-toggle");
    if (!button) return;
    button.setAttribute("aria-pressed", String(locked));
    button.textContent = locked ? "Unlock room" : "Lock room";
  }

  setRecordingButton(active) {
    const button = $("record-toggle");
    if (!button) return;
    button.setAttribute("aria-pressed", String(active));
    button.textContent = active ? "Stop recording" : "Record";
  }
}
