// Breakout groups on the meeting page: the bar that says where we are and how long is left,
// the host's dialog (open, move, message everyone, close), and the groups in the people list.
//
// The server decides everything (app/rooms/breakout.py) and tells each page its own scope in
// a "breakout" event: the people we meet now and which way our media travels. This module hands
// that to the meeting (``onScope``), which swaps tiles, keys and connections, and shows the rest.
const $ = (id) => document.getElementById(id);
const NAMES = (group) => (group ? `Group ${group.slice(1)}` : "the main room");
const DEADLINE_SLACK_MS = 700; // ping just after a deadline, so the server acts on it at once

function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function groupSelect(label, count, current, onChange) {
  const select = document.createElement("select");
  select.setAttribute("aria-label", label);
  for (let number = 0; number <= count; number += 1) {
    const option = document.createElement("option");
    option.value = String(number);
    option.textContent = number ? `Group ${number}` : "Main room";
    option.selected = (current || "g0") === `g${number}`;
    select.append(option);
  }
  select.addEventListener("change", () => onChange(Number(select.value)));
  return select;
}

export class Breakout {
  constructor({ signaling, view, selfId, host, announce, onScope }) {
    this.signaling = signaling;
    this.view = view;
    this.selfId = selfId;
    this.host = host;
    this.announce = announce;
    this.onScope = onScope;
    this.state = { open: false, group: null, count: 0 };
    this.roster = new Map(); // hosts: id -> { name, group }
    this.deadline = null; // local time the bar counts down to
    this.tick = setInterval(() => this.showTime(), 1000);
    this.pingTimer = null;
    this.bindDialog();
    this.setHost(host);
  }

  close() {
    clearInterval(this.tick);
    clearTimeout(this.pingTimer);
    if ($("breakout-dialog").open) $("breakout-dialog").close();
  }

  get group() {
    return this.state.open ? this.state.group : null;
  }

  // Someone's presence entry says their group: are they in ours?
  inScope(person) {
    return (this.state.open ? person.group || null : null) === this.group;
  }

  setHost(host) {
    this.host = host;
    $("breakout-toggle").hidden = !host;
    if (!host && $("breakout-dialog").open) $("breakout-dialog").close();
    this.renderRoster();
  }

  // The join answer's (or a rejoin's) view: no scope change to make, the people list is already ours.
  restore(view) {
    if (view) this.show(view);
  }

  changed(view) {
    const before = this.group;
    this.show(view);
    this.onScope(view);
    if (view.reason === "closing") this.announce(`Breakout groups close in ${view.closing_in} seconds. You will return to the main room.`);
    else if (view.reason === "closed") this.announce("Breakout groups closed. You are back in the main room with everyone.");
    else if (before !== this.group) this.announce(`You moved to ${NAMES(this.group)}.`);
  }

  show(view) {
    this.state = view;
    if (view.roster) this.roster = new Map(view.roster.map((p) => [p.id, { name: p.name, group: p.group }]));
    if (!view.open) this.roster.clear();
    const seconds = view.closing_in ?? view.ends_in;
    this.deadline = seconds === null || seconds === undefined ? null : Date.now() + seconds * 1000;
    clearTimeout(this.pingTimer);
    // Nothing on the server watches the clock: the pages ping when a deadline passes.
    if (this.deadline) this.pingTimer = setTimeout(() => this.signaling.send("presence"), seconds * 1000 + DEADLINE_SLACK_MS);
    $("breakout-bar").hidden = !view.open;
    $("breakout-where").textContent = view.open ? `You are in ${NAMES(this.group)}.` : "";
    if (!view.open) $("breakout-message").hidden = true;
    this.showTime();
    this.renderRoster();
    this.renderDialog();
  }

  showTime() {
    if (!this.state.open) return;
    const left = this.deadline ? (this.deadline - Date.now()) / 1000 : null;
    let text = "";
    if (this.state.closing_in !== null && this.state.closing_in !== undefined) text = `Groups close in ${clock(left)}.`;
    else if (left !== null) text = `${clock(left)} left.`;
    $("breakout-time").textContent = text;
    if ($("breakout-dialog").open) $("breakout-close").disabled = this.state.closing_in !== null && this.state.closing_in !== undefined;
  }

  message({ name, text }) {
    const element = $("breakout-message");
    element.hidden = false;
    element.textContent = `${name} to all groups: ${text}`;
  }

  // Hosts keep the roster current between the server's full lists.
  personJoined(person) {
    if (this.state.open && this.host) this.roster.set(person.id, { name: person.name, group: person.group || null });
    this.renderRoster();
    this.renderDialog();
  }

  personLeft(id) {
    this.roster.delete(id);
    this.renderRoster();
    this.renderDialog();
  }

  // The people list shows the groups to hosts: who is in which.
  renderRoster() {
    const section = $("breakout-roster");
    section.hidden = !(this.host && this.state.open);
    if (section.hidden) return;
    const list = $("breakout-roster-list");
    list.replaceChildren();
    for (let number = 0; number <= this.state.count; number += 1) {
      const names = [...this.roster.values()].filter((p) => (p.group || "g0") === `g${number}`).map((p) => p.name);
      const item = document.createElement("li");
      item.textContent = `${number ? `Group ${number}` : "Main room"}: ${names.length ? names.join(", ") : "nobody"}`;
      list.append(item);
    }
  }

  // -- the host's dialog

  bindDialog() {
    const dialog = $("breakout-dialog");
    $("breakout-toggle").onclick = () => this.openDialog();
    $("breakout-done").onclick = () => dialog.close();
    for (const radio of document.querySelectorAll('input[name="breakout-how"]')) radio.onchange = () => this.renderPicks();
    $("breakout-count").oninput = () => this.renderPicks();
    $("breakout-form").onsubmit = (event) => {
      event.preventDefault();
      this.openGroups();
    };
    $("breakout-broadcast-form").onsubmit = (event) => {
      event.preventDefault();
      const text = $("breakout-broadcast").value.trim();
      if (text) this.request("breakout-broadcast", { text }).then((answer) => answer && ($("breakout-broadcast").value = ""));
    };
    $("breakout-close").onclick = () => this.request("breakout-close", {});
  }

  openDialog() {
    this.renderDialog();
    $("breakout-error").hidden = true;
    $("breakout-dialog").showModal();
    (this.state.open ? $("breakout-broadcast") : $("breakout-count")).focus();
  }

  request(event, payload) {
    $("breakout-error").hidden = true;
    return this.signaling.request(event, payload).catch((error) => {
      $("breakout-error").hidden = false;
      $("breakout-error").textContent = error.message;
      return null;
    });
  }

  count() {
    return Math.max(2, Math.min(20, Number($("breakout-count").value) || 2));
  }

  byHand() {
    return document.querySelector('input[name="breakout-how"]:checked').value === "hand";
  }

  // Everyone in the meeting now, ourselves included, before groups open (they are all on our list).
  people() {
    const everyone = [{ id: this.selfId, name: `${this.view.people.get("self")?.name || "You"} (you)` }];
    for (const id of this.view.ids()) everyone.push({ id, name: this.view.people.get(id).name });
    return everyone;
  }

  renderPicks() {
    const list = $("breakout-picks");
    list.hidden = !this.byHand();
    const kept = new Map([...list.querySelectorAll("select")].map((s) => [s.dataset.id, Number(s.value)]));
    list.replaceChildren();
    if (list.hidden) return;
    const count = this.count();
    this.people().forEach((person, index) => {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = person.name;
      const fallback = person.id === this.selfId ? 0 : (index % count) + 1;
      const current = Math.min(kept.has(person.id) ? kept.get(person.id) : fallback, count);
      const select = groupSelect(`Group for ${person.name}`, count, `g${current}`, () => {});
      select.dataset.id = person.id;
      item.append(name, select);
      list.append(item);
    });
  }

  openGroups() {
    const payload = { count: this.count(), minutes: Math.max(0, Math.min(240, Number($("breakout-minutes").value) || 0)) };
    if (this.byHand()) {
      payload.assignments = {};
      for (const select of $("breakout-picks").querySelectorAll("select")) payload.assignments[select.dataset.id] = Number(select.value);
    }
    this.request("breakout-open", payload);
  }

  renderDialog() {
    const open = this.state.open;
    $("breakout-form").hidden = open;
    $("breakout-running").hidden = !open;
    if (!open) return this.renderPicks();
    const closing = this.state.closing_in !== null && this.state.closing_in !== undefined;
    $("breakout-summary").textContent = `${this.state.count} groups open${closing ? ", closing soon" : ""}. You are in ${NAMES(this.group)}.`;
    $("breakout-close").disabled = closing;
    const list = $("breakout-moves");
    // Rebuilt at every change: keyboard focus goes back to the same control.
    const focused = list.contains(document.activeElement) ? document.activeElement.getAttribute("aria-label") || document.activeElement.textContent : null;
    list.replaceChildren();
    for (let number = 0; number <= this.state.count; number += 1) {
      const heading = document.createElement("li");
      const title = document.createElement("h3");
      title.textContent = number ? `Group ${number}` : "Main room";
      heading.append(title);
      if ((this.group || "g0") !== `g${number}`) {
        const join = document.createElement("button");
        join.type = "button";
        join.className = "button button-small button-ghost";
        join.textContent = number ? `Join Group ${number}` : "Go to the main room";
        join.onclick = () => this.request("breakout-move", { id: this.selfId, group: number });
        heading.append(join);
      }
      list.append(heading);
      for (const [id, person] of this.roster) {
        if ((person.group || "g0") !== `g${number}` || id === this.selfId) continue;
        const item = document.createElement("li");
        const name = document.createElement("span");
        name.textContent = person.name;
        item.append(name, groupSelect(`Move ${person.name} to`, this.state.count, person.group, (group) => {
          this.request("breakout-move", { id, group });
        }));
        list.append(item);
      }
    }
    const again = [...list.querySelectorAll("select, button")].find((c) => (c.getAttribute("aria-label") || c.textContent) === focused);
    if (again) again.focus();
  }
}
