// Everyone's say in a recording. When a host starts recording, each other person is asked
// "Include me" or "Leave me out"; no answer within 20 seconds leaves them out. The recorder's
// browser composes only the people who said yes (recording.js asks `included`), and everyone
// sees who is being recorded: in the bar at the top and on each tile.

const $ = (id) => document.getElementById(id);
const ANSWER_WITHIN_S = 20;

export class RecordingConsent {
  constructor({ signaling, view, selfId }) {
    this.signaling = signaling;
    this.view = view;
    this.selfId = selfId;
    this.state = { active: false };
    this.answers = new Map();
    this.countdown = null;
    $("recording-include").onclick = () => this.answer(true);
    $("recording-leave-out").onclick = () => this.answer(false);
    $("recording-change").onclick = () => this.answer(!this.included(this.selfId));
  }

  // The server's word on the recording: who records and every answer so far.
  update(state) {
    this.state = state && state.active ? state : { active: false };
    this.answers = new Map(Object.entries(this.state.answers || {}));
    const recordingHere = this.state.active && this.state.by === this.selfId;
    if (this.state.active && !recordingHere && !this.answers.get(this.selfId)) this.ask();
    else this.closeQuestion();
    this.render();
  }

  setAnswer(id, answer) {
    if (!this.state.active) return;
    this.answers.set(id, answer);
    this.render();
  }

  get active() {
    return this.state.active;
  }

  // Is this person (an id, or "self" for this page) in the recording?
  included(id) {
    const pid = id === "self" ? this.selfId : id;
    return this.state.active && this.answers.get(pid) === "in";
  }

  ask() {
    if (this.countdown) return;
    $("recording-ask-text").textContent = `${this.state.by_name} wants to record this meeting. The recording is made and kept on their computer only.`;
    $("recording-ask").hidden = false;
    let left = ANSWER_WITHIN_S;
    const tick = () => {
      $("recording-ask-timer").textContent = `Without an answer you are left out in ${left} s.`;
      if (left-- <= 0) this.answer(false);
    };
    tick();
    this.countdown = setInterval(tick, 1000);
    $("recording-leave-out").focus();
  }

  closeQuestion() {
    clearInterval(this.countdown);
    this.countdown = null;
    $("recording-ask").hidden = true;
  }

  async answer(include) {
    this.closeQuestion();
    try {
      const reply = await this.signaling.request("recording-answer", { include });
      this.setAnswer(this.selfId, reply.answer);
    } catch (error) {
      $("host-notice").textContent = error.message;
    }
  }

  nameOf(id) {
    if (id === this.selfId) return "you";
    const person = this.view.people.get(id);
    return person ? person.name : null;
  }

  render() {
    const active = this.state.active;
    $("recording-state").hidden = !active;
    this.view.setRecording(active);
    for (const tile of document.querySelectorAll(".tile")) {
      if (active) tile.dataset.recorded = this.included(tile.dataset.id || tile.dataset.screen) ? "in" : "out";
      else delete tile.dataset.recorded;
    }
    if (!active) {
      $("recording-change").hidden = true;
      return;
    }
    const names = (wanted) => [...this.answers].filter(([, a]) => a === wanted).map(([id]) => this.nameOf(id)).filter(Boolean);
    const recorded = names("in");
    const leftOut = [...this.view.ids(), this.selfId].filter((id) => !this.included(id)).map((id) => this.nameOf(id)).filter(Boolean);
    let text = `Recording by ${this.state.by === this.selfId ? "you" : this.state.by_name}: ${recorded.join(", ") || "nobody yet"}`;
    if (leftOut.length) text += `. Left out: ${leftOut.join(", ")}`;
    $("recording-state-text").textContent = text;
    const change = $("recording-change");
    change.hidden = this.state.by === this.selfId || Boolean(this.countdown);
    change.textContent = this.included(this.selfId) ? "Leave me out" : "Include me";
  }

  close() {
    this.closeQuestion();
  }
}
