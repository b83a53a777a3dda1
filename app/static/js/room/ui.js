// The meeting's visible parts: video tiles, the people list, knocks and chat.

const $ = (id) => document.getElementById(id);

export class MeetingView {
  constructor({ host, onKick, onAdmit, onDeny }) {
    this.host = host;
    this.onKick = onKick;
    this.onAdmit = onAdmit;
    this.onDeny = onDeny;
    this.people = new Map();
    this.unread = 0;
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
      const initial = document.createElement("span");
      initial.className = "tile-initial";
      initial.setAttribute("aria-hidden", "true");
      const caption = document.createElement("figcaption");
      const name = document.createElement("span");
      name.className = "tile-name";
      const status = document.createElement("span");
      status.className = "tile-status";
      caption.append(name, status);
      tile.append(video, initial, caption);
      $("tiles").append(tile);
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
    tile.querySelector(".tile-initial").textContent = (data.name || "?").slice(0, 1).toUpperCase();
    const flags = [];
    if (data.muted) flags.push("muted");
    if (data.camera === false) flags.push("camera off");
    if (data.screen) flags.push("sharing screen");
    tile.querySelector(".tile-status").textContent = flags.length ? ` · ${flags.join(", ")}` : "";
    tile.classList.toggle("camera-off", data.camera === false);
    tile.setAttribute("aria-label", `${data.name}${flags.length ? ", " + flags.join(", ") : ""}`);
    this.renderPeople();
  }

  attachStream(id, stream) {
    const video = this.tile(id).querySelector("video");
    if (video.srcObject !== stream) video.srcObject = stream;
  }

  removePerson(id) {
    this.people.delete(id);
    const tile = document.querySelector(`.tile[data-id="${CSS.escape(id)}"]`);
    if (tile) tile.remove();
    this.layout();
    this.renderPeople();
  }

  layout() {
    const count = document.querySelectorAll(".tile").length;
    $("tiles").dataset.count = String(Math.min(count, 12));
  }

  renderPeople() {
    const list = $("people-list");
    list.replaceChildren();
    for (const [id, person] of this.people) {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = `${person.name}${person.self ? " (you)" : ""}${person.host ? " · host" : ""}${person.muted ? " · muted" : ""}`;
      item.append(label);
      if (this.host && !person.self) {
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

  addKnock({ id, name }) {
    if (document.querySelector(`#knock-list [data-id="${CSS.escape(id)}"]`)) return;
    const item = document.createElement("li");
    item.dataset.id = id;
    item.className = "knock";
    const text = document.createElement("span");
    text.textContent = `${name} is knocking`;
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
  }

  removeKnock(id) {
    const item = document.querySelector(`#knock-list [data-id="${CSS.escape(id)}"]`);
    if (item) item.remove();
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
    const panels = { chat: $("chat-panel"), people: $("people-panel") };
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

  setNetwork(state) {
    const labels = {
      connecting: "Connecting…",
      connected: "Connected",
      reconnecting: "Reconnecting…",
      offline: "Offline: trying to reconnect…",
      weak: "Weak connection",
    };
    const element = $("network-state");
    element.dataset.state = state;
    element.textContent = labels[state] || state;
  }
}
