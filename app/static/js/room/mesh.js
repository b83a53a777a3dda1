// Small meetings: one RTCPeerConnection per other participant, negotiated with the
// "perfect negotiation" pattern so either side may offer at any time without glare.
// When ICE fails we build a brand-new connection (a new "generation"); the other side sees
// the new generation in our offer and rebuilds its end too.
// Signals only count from people in the meeting's people list (``isKnown``): anyone else
// gets no answer and no peer connection. The transport hands each signal to the mesh that
// takes it (``takes``), so none is lost while the meeting moves between ways.

import { connectionOptions } from "../e2ee/frame-crypto.js";

const FAILED_GRACE_MS = 4000;
// A signal's work on a connection closed meanwhile may never settle (a closed RTCPeerConnection
// leaves its pending operations unresolved): the sender's next signals wait this long at most.
const SIGNAL_APPLY_MS = 3000;
// An offer still unanswered this long is sent again (a signal lost on the way, or dropped by a
// side that was busy with its own offer): perfect negotiation never retries by itself.
const OFFER_RESEND_MS = 5000;
const OFFER_RESENDS = 5;

// An offer from someone who rebuilt their side (a new generation): a new connection.
function rebuilt(peer, { description, gen }) {
  return Boolean(description && description.type === "offer" && peer.remoteGen && gen && gen !== peer.remoteGen);
}

function newGeneration() {
  return Math.random().toString(36).slice(2, 10);
}

export class Mesh extends EventTarget {
  constructor({ selfId, signaling, iceServers, localStream, isKnown, frameCrypto = null }) {
    super();
    this.frameCrypto = frameCrypto;
    this.applying = new Map(); // sender id -> their signals being applied, in order
    this.selfId = selfId;
    this.isKnown = isKnown;
    this.signaling = signaling;
    this.iceServers = iceServers || [];
    this.iceTransportPolicy = new URLSearchParams(location.search).get("relay") === "1" ? "relay" : "all";
    this.localStream = localStream;
    this.screenStream = null; // a shared screen goes out as a stream of its own, beside the camera
    this.peers = new Map();
    this.holdRestarts = false; // set while the meeting moves to its node: the others close their ends
    this.stopped = false;
    this.offerTimer = setInterval(() => this.resendOffers(), 1000);
  }

  // Is a signal for this mesh? While the meeting leaves it (``holdRestarts``) it takes only what
  // belongs to the connections it still has: a new connection offered then is for the next mesh.
  takes(message) {
    if (this.stopped) return false;
    if (!this.holdRestarts) return true;
    const peer = this.peers.get(message.from);
    return Boolean(peer) && !rebuilt(peer, message);
  }

  // Hand a signal over; a failure to apply it is logged, never thrown. Each sender's signals are
  // applied one after another: an offer that arrived while the one before it was still being
  // applied (signals kept through a move are replayed at once) would otherwise look like a
  // collision, and the impolite side would drop it for good.
  deliver(message) {
    const from = typeof message.from === "string" ? message.from : "";
    const before = this.applying.get(from) || Promise.resolve();
    const applied = () => Promise.race([this.onSignal(message), new Promise((resolve) => setTimeout(resolve, SIGNAL_APPLY_MS))]);
    const done = before.then(applied).catch((error) => console.warn("signal", error));
    this.applying.set(from, done);
    done.then(() => this.applying.get(from) === done && this.applying.delete(from));
  }

  // The participant with the greater id is "polite": it yields when both offer at once.
  isPolite(peerId) {
    return this.selfId > peerId;
  }

  connect(peerId) {
    if (this.isKnown(peerId)) this.buildPeer(peerId);
  }

  buildPeer(peerId) {
    this.closePeer(peerId, false);
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, iceTransportPolicy: this.iceTransportPolicy, ...connectionOptions() });
    const peer = {
      id: peerId, pc, gen: newGeneration(), remoteGen: null, makingOffer: false, ignoreOffer: false, failTimer: null,
      offeredAt: 0, resends: 0,
    };
    this.peers.set(peerId, peer);
    for (const track of this.localStream ? this.localStream.getTracks() : []) pc.addTrack(track, this.localStream);
    if (!this.localStream || !this.localStream.getVideoTracks().length) pc.addTransceiver("video", { direction: "recvonly" });
    if (!this.localStream || !this.localStream.getAudioTracks().length) pc.addTransceiver("audio", { direction: "recvonly" });
    // Every sender and receiver of this connection, now and after any renegotiation.
    if (this.frameCrypto) this.frameCrypto.watch(pc, () => peerId);
    if (this.screenStream) peer.screenSender = pc.addTrack(this.screenStream.getVideoTracks()[0], this.screenStream);

    pc.onnegotiationneeded = async () => {
      try {
        peer.makingOffer = true;
        await pc.setLocalDescription();
        this.send(peer, { description: pc.localDescription });
        peer.offeredAt = Date.now();
        peer.resends = 0;
      } catch (error) {
        console.warn("negotiation", error);
      } finally {
        peer.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.send(peer, { candidate: candidate.toJSON() });
    };
    pc.ontrack = ({ streams, track }) => {
      const stream = streams[0] || new MediaStream([track]);
      this.dispatchEvent(new CustomEvent("track", { detail: { peerId, stream } }));
    };
    pc.oniceconnectionstatechange = () => this.watchIce(peer);
    this.dispatchEvent(new CustomEvent("state", { detail: this.overallState() }));
    return peer;
  }

  watchIce(peer) {
    const state = peer.pc.iceConnectionState;
    clearTimeout(peer.failTimer);
    if (state === "failed") {
      this.restart(peer.id);
    } else if (state === "disconnected") {
      // A blip often heals by itself; rebuild only if it does not.
      peer.failTimer = setTimeout(() => {
        if (this.peers.get(peer.id) === peer && peer.pc.iceConnectionState !== "connected") this.restart(peer.id);
      }, FAILED_GRACE_MS);
    }
    this.dispatchEvent(new CustomEvent("state", { detail: this.overallState() }));
  }

  restart(peerId) {
    if (!this.peers.has(peerId) || this.holdRestarts || this.stopped) return;
    console.info(`parlor: rebuilding the connection to ${peerId}`);
    this.dispatchEvent(new CustomEvent("restart", { detail: { peerId } }));
    this.buildPeer(peerId);
  }

  resendOffers() {
    const now = Date.now();
    for (const peer of this.peers.values()) {
      const { pc } = peer;
      if (pc.signalingState !== "have-local-offer" || peer.makingOffer || now - peer.offeredAt < OFFER_RESEND_MS) continue;
      if (peer.resends >= OFFER_RESENDS) continue;
      peer.resends += 1;
      peer.offeredAt = now;
      console.info(`parlor: no answer from ${peer.id} yet, offer sent again`);
      this.send(peer, { description: pc.localDescription });
    }
  }

  send(peer, payload) {
    this.signaling.send("signal", Object.assign({ to: peer.id, gen: peer.gen }, payload));
  }

  async onSignal({ from, description, candidate, gen }) {
    if (this.stopped) return; // a mesh the meeting moved away from
    if (typeof from !== "string" || from === this.selfId || !this.isKnown(from)) return;
    let peer = this.peers.get(from);
    const offer = description && description.type === "offer";
    // Only an offer starts a connection: a late candidate or answer of one that is gone (kept
    // through a move) would otherwise build a peer that takes the next offer's place.
    if (!peer && !offer) return;
    if (!peer || rebuilt(peer, { description, gen })) {
      // A peer we have no connection with, or one that rebuilt its side: start fresh.
      peer = this.buildPeer(from);
    }
    const pc = peer.pc;
    if (description) {
      peer.remoteGen = gen || peer.remoteGen;
      const collision = description.type === "offer" && (peer.makingOffer || pc.signalingState !== "stable");
      peer.ignoreOffer = !this.isPolite(from) && collision;
      if (peer.ignoreOffer) return;
      await pc.setRemoteDescription(description);
      if (description.type === "offer") {
        await pc.setLocalDescription();
        this.send(peer, { description: pc.localDescription });
      }
    } else if (candidate !== undefined) {
      if (gen && peer.remoteGen && gen !== peer.remoteGen) return; // for a connection that is gone
      try {
        await pc.addIceCandidate(candidate);
      } catch (error) {
        if (!peer.ignoreOffer) console.warn("candidate", error);
      }
    }
  }

  // Swap the outgoing camera (``old``, the track each connection was given) for ``track`` on
  // every connection without renegotiating: a background effect switched on in the meeting.
  // A shared screen's sender is another one and stays as it is.
  async replaceVideoTrack(track, old) {
    for (const { pc } of this.peers.values()) {
      const sender = pc.getSenders().find((s) => s.track === old);
      if (sender) await sender.replaceTrack(track);
    }
  }

  // Start (a stream) or stop (null) sharing a screen with everyone: a track added or removed
  // on each connection, which renegotiates by itself.
  setScreen(stream) {
    this.screenStream = stream;
    for (const peer of this.peers.values()) {
      if (peer.screenSender) peer.pc.removeTrack(peer.screenSender);
      peer.screenSender = stream ? peer.pc.addTrack(stream.getVideoTracks()[0], stream) : null;
    }
  }

  closePeer(peerId, notify = true) {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    clearTimeout(peer.failTimer);
    peer.pc.close();
    this.peers.delete(peerId);
    // Their signals for the connection closed here are moot: later ones need not wait for them.
    // (Not when a signal of theirs rebuilds the connection: it is the one being applied.)
    if (notify) this.applying.delete(peerId);
    if (notify) this.dispatchEvent(new CustomEvent("state", { detail: this.overallState() }));
  }

  overallState() {
    const states = [...this.peers.values()].map((p) => p.pc.iceConnectionState);
    if (!states.length) return "connected";
    if (states.some((s) => s === "failed" || s === "disconnected")) return "reconnecting";
    if (states.every((s) => s === "connected" || s === "completed")) return "connected";
    return "connecting";
  }

  connections() {
    return [...this.peers.values()].map((p) => p.pc);
  }

  close() {
    for (const id of [...this.peers.keys()]) this.closePeer(id, false);
    this.applying.clear();
  }

  // Close for good: this mesh answers no more signals (a new one takes over if we move back).
  stop() {
    this.stopped = true;
    clearInterval(this.offerTimer);
    this.close();
  }
}
