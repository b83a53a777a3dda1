// Apps in the meeting: a YouTube video, a Google file, a Trello board or a Miro board, opened
// for everyone in a panel beside the tiles and embedded from the service's own embed origin.
//
// A pasted link is read here into a service and a content id (the same patterns the server
// checks, app/rooms/apps.py); the embed address is built from those and the room's configured
// origins, never taken from a link someone sent. YouTube plays in sync: each page talks to its
// player through the player's postMessage interface, and play, pause and seek travel through
// signaling. A joiner asks the others what is open and where it is. Nothing is kept on our
// server; this browser keeps a recent list (service, id, date opened) in local storage.

const $ = (id) => document.getElementById(id);
const RECENT_KEY = "parlor.apps.recent";
const RECENT_MAX = 12;
const PLAYING = 1;
const PAUSED = 2;
const SEEK_TOLERANCE_S = 2;
// After we move the player, reports it had already queued still carry the old time: they are
// not someone seeking, so jumps are ignored until the player shows the new time (or this passes).
const SEEK_SETTLE_MS = 2000;

export const LABELS = {
  youtube: "YouTube video",
  google: "Google file",
  drive: "Google Drive file",
  trello: "Trello board",
  miro: "Miro board",
};

const CONTENT = {
  youtube: /^[A-Za-z0-9_-]{11}$/,
  google: /^(document|spreadsheets|presentation)\/[A-Za-z0-9_-]{10,100}$/,
  drive: /^[A-Za-z0-9_-]{10,100}$/,
  trello: /^[A-Za-z0-9]{8}$/,
  miro: /^[A-Za-z0-9_=-]{10,40}$/,
};

const first = (pattern, text) => {
  const match = pattern.exec(text);
  return match ? match.slice(1).join("/") : null;
};

// Which hosts' links we read, and how each yields its content id.
const LINKS = [
  { service: "youtube", hosts: ["youtube.com", "www.youtube.com", "m.youtube.com"], read: (url) => (
    url.pathname === "/watch" ? url.searchParams.get("v") : first(/^\/(?:embed|shorts|live)\/([A-Za-z0-9_-]{11})\/?$/, url.pathname)
  ) },
  { service: "youtube", hosts: ["youtu.be"], read: (url) => first(/^\/([A-Za-z0-9_-]{11})\/?$/, url.pathname) },
  { service: "google", hosts: ["docs.google.com"], read: (url) => first(/^\/(document|spreadsheets|presentation)\/d\/([A-Za-z0-9_-]{10,100})(?:\/|$)/, url.pathname) },
  { service: "drive", hosts: ["drive.google.com"], read: (url) => first(/^\/file\/d\/([A-Za-z0-9_-]{10,100})(?:\/|$)/, url.pathname) },
  { service: "trello", hosts: ["trello.com"], read: (url) => first(/^\/b\/([A-Za-z0-9]{8})(?:\/|$)/, url.pathname) },
  { service: "miro", hosts: ["miro.com"], read: (url) => first(/^\/app\/board\/([A-Za-z0-9_=-]{10,40})\/?$/, url.pathname) },
];

// A pasted link as {service, content}, or null when it is not one we can open.
export function readLink(text) {
  let url;
  try {
    url = new URL(String(text).trim());
  } catch {
    return null;
  }
  if (url.protocol !== "https:" || url.username || url.password || url.port) return null;
  for (const link of LINKS) {
    if (!link.hosts.includes(url.hostname)) continue;
    const content = link.read(url);
    if (content && CONTENT[link.service].test(content)) return { service: link.service, content };
  }
  return null;
}

function embedAddress(origins, service, content) {
  const origin = origins[service];
  if (!origin || !CONTENT[service] || !CONTENT[service].test(content)) return null;
  switch (service) {
    case "youtube":
      return `${origin}/embed/${content}?enablejsapi=1&rel=0&origin=${encodeURIComponent(location.origin)}`;
    case "google":
      return `${origin}/${content.replace("/", "/d/")}/preview`;
    case "drive":
      return `${origin}/file/d/${content}/preview`;
    case "trello":
      return `${origin}/b/${content}.html`;
    case "miro":
      return `${origin}/app/live-embed/${content}/`;
    default:
      return null;
  }
}

// The recent list: only service, content id and the date opened, in this browser alone.
export function recentApps() {
  try {
    const items = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
    return Array.isArray(items) ? items.filter((i) => i && CONTENT[i.service] && CONTENT[i.service].test(i.id)) : [];
  } catch {
    return [];
  }
}

function remember(service, id) {
  const opened = new Date().toISOString().slice(0, 10);
  const items = [{ service, id, opened }, ...recentApps().filter((i) => i.service !== service || i.id !== id)];
  localStorage.setItem(RECENT_KEY, JSON.stringify(items.slice(0, RECENT_MAX)));
}

export class MeetingApps {
  constructor({ signaling, view, origins, host, selfId }) {
    this.signaling = signaling;
    this.view = view;
    this.origins = origins;
    this.host = host;
    this.selfId = selfId;
    this.open = null; // {service, content}
    this.frame = null;
    this.player = { time: 0, playing: false, at: performance.now() };
    this.settling = null; // {until}: a seek of ours the player has not shown yet
    this.pending = null; // where a joiner's player should go once it answers
    this.locked = false;
    this.onMessage = (event) => this.fromPlayer(event);
    window.addEventListener("message", this.onMessage);
    $("apps-form").onsubmit = (event) => {
      event.preventDefault();
      this.openLink($("apps-link").value);
    };
    $("apps-clear").onclick = () => {
      localStorage.removeItem(RECENT_KEY);
      this.renderRecent();
      this.say("Your recent apps list is cleared.");
    };
    $("app-close").onclick = () => this.closeForEveryone();
    $("apps-lock").onclick = () => this.setLocked(!this.locked);
    this.setHost(host);
    this.renderRecent();
  }

  setHost(host) {
    this.host = host;
    $("apps-lock").hidden = !host;
    this.renderLock();
  }

  say(message, isError = false) {
    const box = $("apps-error");
    box.textContent = message;
    box.hidden = !message;
    box.classList.toggle("field-error", isError);
  }

  renderRecent() {
    const list = $("apps-recent");
    list.replaceChildren();
    for (const item of recentApps()) {
      const entry = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button-small button-ghost";
      button.textContent = `${LABELS[item.service]} ${item.id.split("/").pop()}`;
      button.setAttribute("aria-label", `Open ${LABELS[item.service]} ${item.id} again (opened ${item.opened})`);
      button.onclick = () => this.openForEveryone(item.service, item.id);
      const when = document.createElement("span");
      when.className = "hint";
      when.textContent = ` ${item.opened}`;
      entry.append(button, when);
      list.append(entry);
    }
    $("apps-recent-empty").hidden = list.children.length > 0;
  }

  openLink(text) {
    const found = readLink(text);
    if (!found) {
      this.say("That link can't be opened here. Paste a link to a YouTube video, a Google Docs, Sheets, Slides or Drive file, a Trello board or a Miro board.", true);
      return;
    }
    $("apps-link").value = "";
    this.openForEveryone(found.service, found.content);
  }

  async openForEveryone(service, content) {
    try {
      await this.signaling.request("app-open", { service, content });
    } catch (error) {
      this.say(error.message, true);
      return;
    }
    this.say("");
    remember(service, content);
    this.renderRecent();
    this.show(service, content, { byName: "you" });
  }

  async closeForEveryone() {
    this.hide();
    await this.signaling.request("app-close", {}).catch(() => {});
  }

  // --- what the others did -------------------------------------------------------------

  opened({ by, service, content }) {
    const person = this.view.people.get(by);
    this.show(service, content, { byName: person ? person.name : "someone" });
  }

  closed() {
    this.hide();
  }

  // A joiner asks; whoever has an app open answers them alone.
  asked({ by }) {
    if (!this.open) return;
    this.signaling.request("app-state", {
      to: by,
      service: this.open.service,
      content: this.open.content,
      position: this.position(),
      playing: this.player.playing,
    }).catch(() => {});
  }

  told({ by, service, content, position, playing }) {
    if (this.open) return; // the first answer wins
    const person = this.view.people.get(by);
    this.show(service, content, { byName: person ? person.name : "someone", position, playing });
  }

  controlled({ action, position }) {
    if (!this.open || this.open.service !== "youtube") return;
    const playing = action === "play" ? true : action === "pause" ? false : this.player.playing;
    this.moveTo(position, playing);
  }

  // Put this page's player at ``position``, playing or not. What we believe is set first, so the
  // player's reports of the change are not taken for someone's own press.
  moveTo(position, playing) {
    const changes = playing !== this.player.playing;
    this.player = { time: position, playing, at: performance.now() };
    this.settling = { until: performance.now() + SEEK_SETTLE_MS };
    this.command("seekTo", [position, true]);
    if (changes || playing) this.command(playing ? "playVideo" : "pauseVideo");
  }

  lockChanged({ locked }) {
    this.locked = locked;
    this.renderLock();
  }

  askOthers() {
    this.signaling.request("app-ask", {}).catch(() => {});
  }

  // --- the panel beside the tiles --------------------------------------------------------

  show(service, content, { byName, position = 0, playing = false }) {
    const address = embedAddress(this.origins, service, content);
    if (!address) return;
    this.hide();
    this.open = { service, content };
    this.player = { time: position, playing, at: performance.now() };
    this.pending = service === "youtube" ? { position, playing } : null;
    const frame = document.createElement("iframe");
    frame.id = "app-frame";
    frame.title = `${LABELS[service]}, opened by ${byName}`;
    frame.src = address;
    frame.allow = "autoplay; encrypted-media; fullscreen; picture-in-picture";
    frame.referrerPolicy = "strict-origin";
    frame.addEventListener("load", () => this.listen());
    this.frame = frame;
    $("app-stage-title").textContent = `${LABELS[service]}, opened by ${byName}`;
    $("app-stage").append(frame);
    $("app-stage").hidden = false;
  }

  hide() {
    if (this.frame) this.frame.remove();
    this.frame = null;
    this.open = null;
    this.pending = null;
    $("app-stage").hidden = true;
  }

  renderLock() {
    const button = $("apps-lock");
    button.setAttribute("aria-pressed", String(this.locked));
    button.textContent = this.locked ? "Let everyone open apps" : "Only hosts can open apps";
    const blocked = this.locked && !this.host;
    $("apps-form").querySelectorAll("input, button").forEach((el) => { el.disabled = blocked; });
    $("apps-locked-note").hidden = !blocked;
  }

  async setLocked(locked) {
    try {
      const answer = await this.signaling.request("apps-lock", { locked });
      this.lockChanged(answer);
    } catch (error) {
      this.say(error.message, true);
    }
  }

  // --- YouTube's player, through its postMessage interface ---------------------------------

  position() {
    const { time, playing, at } = this.player;
    return Math.max(0, playing ? time + (performance.now() - at) / 1000 : time);
  }

  command(func, args = []) {
    if (!this.frame || !this.frame.contentWindow) return;
    this.frame.contentWindow.postMessage(JSON.stringify({ event: "command", func, args }), this.origins.youtube);
  }

  listen() {
    if (!this.open || this.open.service !== "youtube" || !this.frame) return;
    this.frame.contentWindow.postMessage(JSON.stringify({ event: "listening", id: 1, channel: "widget" }), this.origins.youtube);
  }

  fromPlayer(event) {
    if (!this.frame || event.source !== this.frame.contentWindow || event.origin !== this.origins.youtube) return;
    let message;
    try {
      message = typeof event.data === "string" ? JSON.parse(event.data) : event.data;
    } catch {
      return;
    }
    if (!message || typeof message !== "object") return;
    if (message.event === "onReady" || (message.event === "infoDelivery" && this.pending)) this.catchUp();
    if (message.event === "infoDelivery" && message.info) this.heard(message.info);
    if (message.event === "onStateChange") this.stateChanged(message.info);
  }

  // A joiner's player goes where everyone else is.
  catchUp() {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    const elapsed = pending.playing ? (performance.now() - this.player.at) / 1000 : 0;
    this.player.playing = false; // the player starts paused
    this.moveTo(pending.position + elapsed, pending.playing);
  }

  heard(info) {
    if (typeof info.currentTime !== "number" || this.pending) return;
    const expected = this.position();
    const jumped = Math.abs(info.currentTime - expected) > SEEK_TOLERANCE_S;
    if (this.settling) {
      if (jumped && performance.now() < this.settling.until) return;
      this.settling = null;
    }
    this.player = { time: info.currentTime, playing: this.player.playing, at: performance.now() };
    // Someone dragged the time bar in this page's player: everyone follows.
    if (jumped) this.relay("seek");
  }

  // Play or pause pressed in this page's player (our own commands were expected, so they match).
  stateChanged(state) {
    if ((state !== PLAYING && state !== PAUSED) || this.pending) return;
    const playing = state === PLAYING;
    if (playing === this.player.playing) return;
    this.player = { time: this.position(), playing, at: performance.now() };
    this.relay(playing ? "play" : "pause");
  }

  relay(action) {
    this.signaling.request("app-control", { action, position: this.position() }).catch(() => {});
  }

  close() {
    window.removeEventListener("message", this.onMessage);
    this.hide();
  }
}
