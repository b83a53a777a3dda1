// What the meeting shows about end-to-end encryption: the meeting's state in the bar, and on
// each remote tile a "Verify encryption" button opening the short code to compare aloud.
//
// "End-to-end encrypted" shows only while our frames and every remote person's frames are
// sealed (the frame worker reports what it actually did, frame by frame), never on promise.

const $ = (id) => document.getElementById(id);

const LABELS = {
  encrypted: "End-to-end encrypted",
  pending: "Setting up end-to-end encryption…",
  clear: "Not end-to-end encrypted",
};

export class EncryptionView {
  constructor({ view, keys, frameCrypto }) {
    this.view = view;
    this.keys = keys;
    this.frameCrypto = frameCrypto;
    this.meetingEncrypted = Boolean(frameCrypto);
    this.verifying = null;
    if (frameCrypto) frameCrypto.addEventListener("change", () => this.render());
    if (keys) keys.addEventListener("peer-key", ({ detail }) => this.showVerified(detail.id));
    $("verify-match").onclick = () => this.confirm();
    $("verify-cancel").onclick = () => $("verify-dialog").close();
    this.render();
  }

  // Someone whose browser cannot decrypt is in (the room allows it): nobody seals frames.
  setMeetingEncrypted(on) {
    this.meetingEncrypted = on && Boolean(this.frameCrypto);
    if (this.frameCrypto) this.frameCrypto.setEncrypting(this.meetingEncrypted);
    this.render();
  }

  state() {
    if (!this.meetingEncrypted) return "clear";
    const states = [this.frameCrypto.stateOf(null), ...this.view.ids().map((id) => this.frameCrypto.stateOf(id))];
    if (states.includes("clear")) return "clear";
    return states.every((s) => s === "encrypted") ? "encrypted" : "pending";
  }

  render() {
    const element = $("e2ee-state");
    const state = this.state();
    element.dataset.state = state;
    element.textContent = LABELS[state];
  }

  // Called for each new tile (ui.js): remote tiles get the button.
  decorate(tile, id) {
    if (id === "self" || !this.keys) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button-small tile-verify";
    button.textContent = "Verify encryption";
    button.addEventListener("click", () => this.open(id));
    tile.querySelector("figcaption").append(button);
    this.showVerified(id);
  }

  showVerified(id) {
    const tile = document.querySelector(`.tile[data-id="${CSS.escape(id)}"]`);
    if (!tile) return;
    const verified = this.keys.isVerified(id);
    tile.dataset.verified = String(verified);
    const button = tile.querySelector(".tile-verify");
    if (button) button.textContent = verified ? "Verified ✓" : "Verify encryption";
    this.render();
  }

  async open(id) {
    const code = await this.keys.codeFor(id);
    const person = this.view.people.get(id);
    $("verify-name").textContent = person ? person.name : "this person";
    $("verify-code").textContent = code || "No key from this person yet: try again in a moment.";
    $("verify-match").disabled = !code;
    this.verifying = id;
    $("verify-dialog").showModal();
  }

  confirm() {
    if (this.verifying) {
      this.keys.markVerified(this.verifying);
      this.showVerified(this.verifying);
    }
    $("verify-dialog").close();
  }
}
