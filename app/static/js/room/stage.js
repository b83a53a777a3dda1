// The meeting's stage on this page: the raised-hand queue, floating reactions, the host's
// spotlight and the layout (grid or speaker view). The server keeps the queue and the
// spotlight; this shows them and sends what we do.

const $ = (id) => document.getElementById(id);
const REACTION_MS = 4000;
export const REACTIONS = ["👍", "👏", "😂", "😮", "❤️", "🎉"];

function ordinal(n) {
  return n === 1 ? "first" : n === 2 ? "second" : n === 3 ? "third" : `number ${n}`;
}

export class Stage {
  constructor({ signaling, view, isHost, announce }) {
    this.signaling = signaling;
    this.view = view;
    this.isHost = isHost;
    this.announce = announce;
    this.selfId = null;
    this.queue = [];
    this.spotlight = null;
    this.layout = "grid";
    this.lastSpeaker = null;
    this.renderReactions();
  }

  request(event, payload) {
    return this.signaling.request(event, payload).catch((error) => {
      this.announce(error.message);
      return null;
    });
  }

  // -- raised hands

  raised(id = this.selfId) {
    return this.queue.some((person) => person.id === id);
  }

  toggleHand() {
    return this.request(this.raised() ? "lower-hand" : "raise-hand", {}).then((answer) => answer && this.setQueue(answer.queue));
  }

  lowerHand(id) {
    return this.request("lower-hand", id === this.selfId ? {} : { id }).then((answer) => answer && this.setQueue(answer.queue));
  }

  handsChanged({ id, name, raised, by, queue }) {
    this.setQueue(queue);
    const who = id === this.selfId ? "You" : name;
    if (raised) this.announce(`${who} raised ${id === this.selfId ? "your" : "their"} hand.`);
    else if (by) this.announce(`${by} lowered ${id === this.selfId ? "your" : `${name}'s`} hand.`);
    else this.announce(`${who} lowered ${id === this.selfId ? "your" : "their"} hand.`);
  }

  setQueue(queue) {
    this.queue = queue || [];
    const list = $("hand-queue");
    list.replaceChildren();
    this.queue.forEach((person, index) => {
      const item = document.createElement("li");
      item.dataset.id = person.id;
      const place = document.createElement("span");
      place.className = "hand-place";
      place.setAttribute("aria-hidden", "true"); // a screen reader counts the list items itself
      place.textContent = String(index + 1);
      const name = document.createElement("span");
      name.textContent = person.id === this.selfId ? `${person.name} (you)` : person.name;
      item.append(place, name);
      if (person.id === this.selfId || this.isHost()) {
        const lower = document.createElement("button");
        lower.type = "button";
        lower.className = "button button-small button-ghost";
        lower.textContent = "Lower";
        lower.setAttribute("aria-label", person.id === this.selfId ? "Lower your hand" : `Lower ${person.name}'s hand`);
        lower.addEventListener("click", () => this.lowerHand(person.id));
        item.append(lower);
      }
      list.append(item);
    });
    $("hands").hidden = !this.queue.length;
    const mine = this.raised();
    $("hand-toggle").setAttribute("aria-pressed", String(mine));
    $("hand-toggle").textContent = mine ? "Lower hand" : "Raise hand";
    for (const tile of document.querySelectorAll(".tile[data-id]")) {
      const id = tile.dataset.id === "self" ? this.selfId : tile.dataset.id;
      const place = this.queue.findIndex((person) => person.id === id);
      let badge = tile.querySelector(".tile-hand");
      if (place < 0) {
        if (badge) badge.remove();
        continue;
      }
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "tile-hand";
        tile.append(badge);
      }
      badge.textContent = `✋ ${place + 1}`;
      badge.title = `Hand raised, ${ordinal(place + 1)} in line`;
    }
  }

  // Tiles came or went: mark hands and the featured tile on the new set.
  refresh() {
    this.setQueue(this.queue);
    this.arrange();
  }

  personLeft(id) {
    if (this.raised(id)) this.setQueue(this.queue.filter((person) => person.id !== id));
    if (this.spotlight === id) this.setSpotlight(null);
    if (this.lastSpeaker === id) this.lastSpeaker = null;
    this.arrange();
  }

  // -- reactions

  renderReactions() {
    const group = $("reactions");
    group.replaceChildren();
    for (const emoji of REACTIONS) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "tool tool-reaction";
      button.textContent = emoji;
      button.setAttribute("aria-label", `React with ${emoji}`);
      button.addEventListener("click", () => this.react(emoji));
      group.append(button);
    }
  }

  toggleReactions() {
    const open = $("reactions").hidden;
    $("reactions").hidden = !open;
    $("react-toggle").setAttribute("aria-expanded", String(open));
  }

  react(emoji) {
    this.request("reaction", { emoji }).then((answer) => answer && this.float("self", emoji));
  }

  reacted({ id, emoji }) {
    if (!this.view.has(id) || !REACTIONS.includes(emoji)) return;
    this.float(id, emoji);
    this.announce(`${this.view.people.get(id).name} reacted ${emoji}`);
  }

  float(id, emoji) {
    const tile = document.querySelector(`.tile[data-id="${CSS.escape(id)}"]`);
    if (!tile) return;
    const bubble = document.createElement("span");
    bubble.className = "reaction";
    bubble.textContent = emoji;
    bubble.setAttribute("aria-hidden", "true");
    tile.append(bubble);
    setTimeout(() => bubble.remove(), REACTION_MS);
  }

  // -- spotlight and layout

  spotlightChanged({ id, by }) {
    this.setSpotlight(id);
    if (id) {
      const name = id === this.selfId ? "you" : (this.view.people.get(id) || {}).name || "someone";
      this.announce(`${by} put ${name} in the spotlight.`);
    } else {
      this.announce(`${by} cleared the spotlight.`);
    }
  }

  setSpotlight(id) {
    this.spotlight = id || null;
    this.arrange();
    this.view.renderPeople();
  }

  requestSpotlight(id) {
    return this.request("spotlight", id ? { id } : {});
  }

  tileId(id) {
    return id === this.selfId ? "self" : id;
  }

  speaking(id, speaking) {
    if (speaking && id !== "self") {
      this.lastSpeaker = id;
      if (this.layout === "speaker" && !this.spotlight) this.arrange();
    }
  }

  toggleLayout() {
    this.layout = this.layout === "grid" ? "speaker" : "grid";
    const speaker = this.layout === "speaker";
    $("layout-toggle").setAttribute("aria-pressed", String(speaker));
    this.announce(speaker ? "Speaker view." : "Grid view.");
    this.arrange();
  }

  // Which tile is featured: the spotlit person, else whoever spoke last, else the first other person.
  arrange() {
    const tiles = $("tiles");
    tiles.dataset.layout = this.layout;
    const spotlit = this.spotlight ? this.tileId(this.spotlight) : null;
    const fallback = this.lastSpeaker && this.view.has(this.lastSpeaker) ? this.lastSpeaker : this.view.ids()[0] || "self";
    const featured = this.layout === "speaker" ? spotlit || fallback : null;
    for (const tile of tiles.querySelectorAll(".tile[data-id]")) {
      tile.classList.toggle("spotlit", tile.dataset.id === spotlit);
      tile.classList.toggle("featured", tile.dataset.id === featured);
    }
  }

  // A host's spotlight button beside each person in the people list (ourselves included).
  personActions(item, id, person) {
    if (!this.isHost()) return;
    const personId = person.self ? this.selfId : id;
    const lit = this.spotlight === personId;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-small button-ghost";
    button.textContent = lit ? "Clear spotlight" : "Spotlight";
    button.setAttribute("aria-label", lit ? "Clear the spotlight" : `Spotlight ${person.self ? "yourself" : person.name} for everyone`);
    button.setAttribute("aria-pressed", String(lit));
    button.addEventListener("click", () => this.requestSpotlight(lit ? null : personId));
    item.append(button);
  }
}
