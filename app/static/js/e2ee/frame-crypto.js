// The page's side of frame encryption: one worker (frame-worker.js) for every connection of the
// meeting, a transform on every sender and receiver, and what the worker reports back.
//
// Transforms go on every transceiver of every connection, whatever track it carries (camera,
// screen, microphone) and whichever way the meeting travels (each peer-to-peer connection and
// the node's), so the keys are in place before an auto room moves between them.

const SCRIPT_TRANSFORM = typeof RTCRtpScriptTransform !== "undefined";
// Chromium sometimes wires a batch of new script transforms to nothing: frames never reach the
// worker, so that connection carries no media at all (seen after breakout groups close, on the
// connections made then). A transform that has seen no frame this long while media is there
// for it is attached afresh (a new transform takes over the endpoint's frames), a few times at most.
const STALL_CHECK_MS = 1000;
const STALL_MS = 3000;
const REATTACH_LIMIT = 5;
const ENCODED_STREAMS = typeof RTCRtpSender !== "undefined" && "createEncodedStreams" in RTCRtpSender.prototype;

// Can this browser encrypt frames at all? The lobby asks before anyone joins.
export function canEncryptFrames() {
  return SCRIPT_TRANSFORM || ENCODED_STREAMS;
}

// What every RTCPeerConnection of the meeting must be built with: the older API only hands
// out encoded streams on connections that asked for them up front.
export function connectionOptions() {
  return !SCRIPT_TRANSFORM && ENCODED_STREAMS ? { encodedInsertableStreams: true } : {};
}

export class FrameCrypto extends EventTarget {
  constructor() {
    super();
    this.worker = new Worker(new URL("./frame-worker.js", import.meta.url), { type: "module" });
    this.worker.onmessage = ({ data }) => this.onWorkerMessage(data);
    this.ids = new WeakMap(); // sender or receiver -> transform id
    this.transforms = new Map(); // transform id -> { operation, participant, state, endpoint, options, since }
    this.nextId = 0;
    this.checkTimer = SCRIPT_TRANSFORM ? setInterval(() => this.rescueStalled(), STALL_CHECK_MS) : null;
  }

  // Protect every transceiver ``pc`` has or will have. ``ownerOf(transceiver)`` names whose
  // frames its receiver carries, when that is known from the connection (peer-to-peer).
  watch(pc, ownerOf = () => null) {
    const scan = () => {
      for (const transceiver of pc.getTransceivers()) {
        const kind = transceiver.receiver.track.kind;
        this.protectSender(transceiver.sender, kind);
        const owner = ownerOf(transceiver);
        if (owner) this.protectReceiver(transceiver.receiver, owner);
      }
    };
    for (const event of ["negotiationneeded", "signalingstatechange", "track"]) pc.addEventListener(event, scan);
    scan();
  }

  protectSender(sender, kind) {
    if (this.ids.has(sender)) return;
    this.attach(sender, { operation: "encrypt", kind }, null);
  }

  // A receiver's owner may change (the node reuses a slot for someone else): tell the worker.
  protectReceiver(receiver, participant) {
    const id = this.ids.get(receiver);
    if (id && this.transforms.has(id)) {
      this.transforms.get(id).participant = participant;
      this.worker.postMessage({ type: "owner", id, participant });
      return;
    }
    this.attach(receiver, { operation: "decrypt", kind: receiver.track.kind }, participant);
  }

  attach(endpoint, options, participant, attempts = 0) {
    const id = `t${(this.nextId += 1)}`;
    this.ids.set(endpoint, id);
    const since = Date.now();
    this.transforms.set(id, { operation: options.operation, participant, state: "new", endpoint, options, since, attempts });
    if (participant) this.worker.postMessage({ type: "owner", id, participant });
    const full = Object.assign({}, options, { id });
    try {
      if (SCRIPT_TRANSFORM) {
        endpoint.transform = new RTCRtpScriptTransform(this.worker, full);
      } else {
        const { readable, writable } = endpoint.createEncodedStreams();
        this.worker.postMessage({ type: "pipe", readable, writable, options: full }, [readable, writable]);
      }
    } catch (error) {
      console.warn("parlor: frame encryption could not attach", error);
      this.transforms.get(id).state = "failed";
    }
  }

  setSendKey(index, raw) {
    this.worker.postMessage({ type: "send-key", index, raw });
  }

  setKey(participant, index, raw) {
    this.worker.postMessage({ type: "key", participant, index, raw });
  }

  // Their frames no longer count for them (a receiver the node gives to someone else later is
  // told its new owner then).
  forget(participant) {
    this.worker.postMessage({ type: "forget", participant });
    for (const transform of this.transforms.values()) if (transform.participant === participant) transform.participant = null;
  }

  // Is media there for this endpoint, so its transform should have seen frames by now? A sender
  // with a live track on a connected transport (a disabled camera still sends black frames), or
  // a receiver whose packets arrive.
  async expectsFrames({ endpoint, operation }) {
    if (!endpoint.transport || endpoint.transport.state !== "connected") return false;
    if (operation === "encrypt") return Boolean(endpoint.track && endpoint.track.readyState === "live");
    let received = 0;
    (await endpoint.getStats()).forEach((report) => {
      if (report.type === "inbound-rtp") received += report.packetsReceived || 0;
    });
    return received > 0;
  }

  async rescueStalled() {
    if (this.rescuing) return;
    this.rescuing = true;
    try {
      const now = Date.now();
      for (const [id, transform] of [...this.transforms]) {
        if (transform.endpoint.transport && transform.endpoint.transport.state === "closed") {
          this.transforms.delete(id); // a connection the meeting left: nothing to show or rescue
          continue;
        }
        if (transform.state !== "new" || now - transform.since < STALL_MS || transform.attempts >= REATTACH_LIMIT) continue;
        if (!(await this.expectsFrames(transform))) {
          transform.since = now; // nothing for it yet (an idle slot of the node's): look again later, not every second
          continue;
        }
        if (this.transforms.get(id) !== transform || transform.state !== "new") continue;
        const side = transform.operation === "encrypt" ? "sender" : "receiver";
        console.info(`parlor: frame encryption restarted (${transform.options.kind} ${side} saw no frames)`);
        this.transforms.delete(id);
        this.attach(transform.endpoint, transform.options, transform.participant, transform.attempts + 1);
      }
    } catch (error) {
      console.warn("parlor: frame encryption check", error);
    } finally {
      this.rescuing = false;
    }
  }

  // Off only while the meeting admits someone whose browser cannot decrypt.
  setEncrypting(on) {
    this.worker.postMessage({ type: "encrypting", on });
  }

  onWorkerMessage(message) {
    if (message.type !== "state") return;
    const transform = this.transforms.get(message.id);
    if (!transform) return;
    transform.state = message.state;
    this.dispatchEvent(new Event("change"));
  }

  // What the frames of one person (``participant``) or our own (null) look like so far:
  // "encrypted", "clear" (some went in the clear), or "pending" (none seen yet).
  stateOf(participant) {
    // Connections the meeting moved away from (closed) no longer count.
    const live = (t) => !(t.endpoint.transport && t.endpoint.transport.state === "closed");
    // Our own senders count only while they carry a track: with nothing to send, nothing leaks.
    const mine = (t) => t.operation === "encrypt" && t.endpoint.track;
    const states = [...this.transforms.values()]
      .filter(live)
      .filter((t) => (participant ? t.participant === participant : mine(t)))
      .map((t) => t.state);
    if (!participant && !states.length) return "encrypted";
    if (states.includes("clear") || states.includes("failed")) return "clear";
    return states.includes("encrypted") ? "encrypted" : "pending";
  }

  close() {
    clearInterval(this.checkTimer);
    this.worker.terminate();
  }
}
