// Host powers on the meeting page: who hosts (badges, hand-over), the host-only controls,
// muting people and the waiting queue. The server decides every power; this only shows them.

const $ = (id) => document.getElementById(id);
const WAIT_TICK_MS = 15000;

// Leave the host key out of the address bar (and of bookmarks and screen shares) once the page
// has it: the session remembers the host link from here on.
export function forgetHostKeyInAddress() {
  const url = new URL(location.href);
  if (!url.searchParams.has("host")) return;
  url.searchParams.delete("host");
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
}

function waitedText(seconds) {
  if (seconds < 60) return "just now";
  const minutes = Math.floor(seconds / 60);
  return minutes === 1 ? "for 1 minute" : `for ${minutes} minutes`;
}

export class HostControls {
  constructor({ signaling, view, selfId, host, onMutedByHost }) {
    this.signaling = signaling;
    this.view = view;
    this.selfId = selfId;
    this.onMutedByHost = onMutedByHost;
    this.knockArrivals = new Map(); // id -> local time the knock began, for "waiting for 3 minutes"
    this.timer = setInterval(() => this.renderWaits(), WAIT_TICK_MS);
    view.personActions = (item, id, person) => this.personActions(item, id, person);
    view.onKnocksChanged = (knock) => (knock ? this.knockAdded(knock) : this.renderWaits());
    this.setHost(host);
  }

  close() {
    clearInterval(this.timer);
  }

  announce(text) {
    $("host-notice").textContent = text;
  }

  setHost(host) {
    this.host = host;
    this.view.host = host;
    for (const id of ["lock-toggle", "mute-all"]) if ($(id)) $(id).hidden = !host;
    if (!host) {
      $("knock-list").replaceChildren();
      this.knockArrivals.clear();
    }
    this.renderWaits();
    this.view.renderPeople();
  }

  roleChanged({ id, name, host, cohost, reason, by }) {
    const isSelf = id === this.selfId;
    if (isSelf) {
      this.view.showPerson({ id, host, cohost }, true);
      this.setHost(host);
    } else if (this.view.has(id)) {
      this.view.showPerson({ id, host, cohost });
    }
    const who = isSelf ? "You" : name;
    if (reason === "promoted") this.announce(`${by} made ${isSelf ? "you" : name} a co-host.`);
    else if (reason === "demoted") this.announce(`${by} made ${isSelf ? "you" : name} a participant again.`);
    else if (reason === "handover") this.announce(`${by} left. ${who} ${isSelf ? "host" : "hosts"} the meeting now.`);
    else if (reason === "revoked") {
      this.announce(isSelf
        ? "The room's owner replaced the host link you used, so you no longer host."
        : `The room's owner replaced the host link, so ${name} no longer hosts.`);
    }
  }

  mutedByHost(kind, by) {
    const changed = this.onMutedByHost(kind);
    if (!changed) return;
    this.announce(kind === "audio"
      ? `${by} muted your microphone. Unmute when you want to speak.`
      : `${by} turned your camera off. Start it again when you want.`);
  }

  request(event, payload) {
    return this.signaling.request(event, payload).catch((error) => this.announce(error.message));
  }

  muteEveryone() {
    this.request("mute-all", {}).then((answer) => answer && this.announce("You muted everyone else."));
  }

  answerEveryone(admitted) {
    this.request(admitted ? "admit-all" : "deny-all", {}).then(() => {
      $("knock-list").replaceChildren();
      this.knockArrivals.clear();
      this.renderWaits();
    });
  }

  // Buttons a host gets beside each other person in the people list.
  personActions(item, id, person) {
    if (!this.host || person.self) return;
    const button = (label, name, action) => {
      const element = document.createElement("button");
      element.type = "button";
      element.className = "button button-small button-ghost";
      element.textContent = label;
      element.setAttribute("aria-label", name);
      element.addEventListener("click", action);
      item.append(element);
    };
    if (!person.muted) button("Mute", `Mute ${person.name}`, () => this.request("mute", { id }));
    if (person.camera !== false) button("Stop camera", `Turn off ${person.name}'s camera`, () => this.request("stop-camera", { id }));
    if (person.cohost) button("Remove co-host", `Make ${person.name} a participant again`, () => this.request("demote", { id }));
    else if (!person.host) button("Make co-host", `Make ${person.name} a co-host`, () => this.request("promote", { id }));
  }

  // The full queue, in order (on joining as host, or on becoming co-host).
  showWaiting(knocks) {
    if (!this.host) return;
    $("knock-list").replaceChildren();
    this.knockArrivals.clear();
    for (const knock of knocks) this.view.addKnock(knock);
  }

  knockAdded({ id, waited }) {
    this.knockArrivals.set(id, Date.now() - (waited || 0) * 1000);
    this.renderWaits();
  }

  renderWaits() {
    const items = $("knock-list").querySelectorAll(".knock");
    for (const item of items) {
      const since = this.knockArrivals.get(item.dataset.id);
      const wait = item.querySelector(".knock-wait");
      if (since !== undefined && wait) wait.textContent = ` · waiting ${waitedText((Date.now() - since) / 1000)}`;
    }
    $("knock-all").hidden = !this.host || items.length < 2;
  }
}
