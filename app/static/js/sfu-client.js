// Browser side of a large meeting: one WebSocket and one RTCPeerConnection to the
// SFU node assigned to the room. The node drives every negotiation (it always
// offers), so this side only answers, which rules out glare.
//
// This class is the one owner of the reconnection policy: when the socket or the peer
// connection is lost it asks for a fresh token (maybe naming another node, if this one
// died) and tries again, backing off, until it is closed or told to stop for good.
import { connectionOptions } from "./e2ee/frame-crypto.js";
import { preferTemporalLayers } from "./temporal-layers.js";

// Waits between attempts; the last one repeats for as long as the meeting lasts.
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000];
// A node that accepted the socket but never says "joined" is as good as dead.
const JOIN_TIMEOUT_MS = 10000;
// Errors after which trying again cannot help. ("removed", a message of its own, is not one:
// the app drops a participant's node grant when their signaling socket drops, and gives a new
// one once they are back.)
const FINAL_ERRORS = new Set(["room full", "replaced by a newer connection", "removed from this meeting"]);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class SfuConnection {
  // ``refresh({reconnect})`` resolves to a fresh ``{url, token}``: ``reconnect`` is false
  // for the first attempt and true afterwards, so the app can move the room off a dead node.
  // ``url`` and ``token`` may be given for the first attempt; otherwise it calls ``refresh``.
  // A grant may also carry ``ice`` ({iceServers}): TURN credentials for reaching the node from
  // networks that allow only relayed traffic; ``iceTransportPolicy`` "relay" insists on them.
  constructor({ url = null, token = null, localStream = null, refresh = null, onTrack = () => {},
                onPeerLeft = () => {}, onState = () => {}, onMessage = () => {},
                iceServers = [], iceTransportPolicy = "all", frameCrypto = null }) {
    // Seals what we send and opens what we receive (e2ee/frame-crypto.js); the node sees ciphertext.
    this.frameCrypto = frameCrypto;
    this.url = url;
    this.token = token;
    this.iceServers = iceServers;
    this.iceTransportPolicy = iceTransportPolicy;
    this.localStream = localStream;
    this.refresh = refresh;
    this.onTrack = onTrack;
    this.onPeerLeft = onPeerLeft;
    this.onState = onState;
    this.onMessage = onMessage;
    this.pc = null;
    this.ws = null;
    this.state = "new";
    this.participantId = null;
    this.streamOwners = new Map();
    this.screenStreams = new Set(); // the node names each publisher's screen as a stream of its own
    this.announcedStreams = new Set();
    this.peers = new Set();
    this.videoTrack = localStream ? localStream.getVideoTracks()[0] || null : null;
    this.videoSender = null;
    this.layersMode = null; // the camera's scalability mode once set ("L1T3", "L1T2")
    this.hiddenStreams = [];
    this.cameraWanted = true; // the node says false while nobody has our camera's tile on screen
    this.screenTrack = null;
    this.screenSender = null;
    this.attempt = 0;
    this.closedByUser = false;
    this.finalError = null;
    this.inbox = Promise.resolve();
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
  }

  // Resolves once the first attempt is over: joined, or lost and retrying in the background.
  // Rejects only when the node refused us for good (``finalError``).
  async connect() {
    this.closedByUser = false;
    this.setState("connecting");
    try {
      await this.attemptJoin(false);
    } catch (error) {
      if (this.finalError) {
        this.setState("failed");
        throw error;
      }
      this.lost();
    }
  }

  async attemptJoin(reconnect) {
    if ((reconnect || !this.token) && this.refresh) {
      const fresh = await this.refresh({ reconnect });
      this.url = fresh.url || this.url;
      this.token = fresh.token || this.token;
      // Fresh with every grant: a reconnect may come after the old credentials expired.
      if (fresh.ice && fresh.ice.iceServers) this.iceServers = fresh.ice.iceServers;
    }
    if (this.closedByUser) return;
    if (!this.url || !this.token) throw new Error("No video router to join.");
    await this.openSocket();
  }

  // Resolves on "joined"; rejects if the socket closes (or stays silent) before that.
  // A socket lost after "joined" hands over to ``lost()``.
  openSocket() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      let joined = false;
      const timer = setTimeout(() => ws.close(), JOIN_TIMEOUT_MS);
      ws.onopen = () => ws.send(JSON.stringify({ type: "join", token: this.token }));
      ws.onmessage = (event) => {
        if (ws !== this.ws) return; // a socket we already gave up on
        let msg;
        try {
          msg = JSON.parse(event.data);
        } catch {
          return;
        }
        if (msg.type === "joined" && !joined) {
          joined = true;
          clearTimeout(timer);
          resolve();
        }
        // One message at a time: when many join at once the node's offers come back to back,
        // and answering the next before the last is set would lose tracks.
        this.inbox = this.inbox.then(() => this.handleMessage(msg)).catch((err) => console.warn("sfu-client:", err));
      };
      ws.onclose = () => {
        clearTimeout(timer);
        if (!joined) reject(new Error(this.finalError || "The video router closed the connection."));
        else if (ws === this.ws) this.lost();
      };
    });
  }

  async handleMessage(msg) {
    switch (msg.type) {
      case "joined": {
        this.participantId = msg.participant;
        this.attempt = 0;
        // After a reconnect, whoever left while we were away is gone for good.
        const present = new Set(msg.peers.map((peer) => peer.id));
        for (const peer of this.peers) if (!present.has(peer)) this.onPeerLeft(peer);
        this.peers = present;
        this.cameraWanted = true; // a new connection starts with the camera on, as the node expects
        if (this.hiddenStreams.length) this.send({ type: "hidden", streams: this.hiddenStreams });
        break;
      }
      case "camera":
        this.cameraWanted = msg.wanted !== false;
        await this.applyCameraWanted();
        break;
      case "peer-joined":
        this.peers.add(msg.participant);
        break;
      case "streams":
        for (const [streamId, owner] of Object.entries(msg.streams)) this.streamOwners.set(streamId, owner);
        for (const streamId of msg.screens || []) this.screenStreams.add(streamId);
        break;
      case "offer":
        await this.answer(msg);
        break;
      case "peer-left":
        this.peers.delete(msg.participant);
        this.forgetPeer(msg.participant);
        this.onPeerLeft(msg.participant);
        break;
      case "kicked":
      case "room-closed":
        this.finalError = msg.type;
        this.closedByUser = true;
        this.teardown();
        this.setState("closed");
        break;
      case "error":
        if (FINAL_ERRORS.has(msg.error)) this.finalError = msg.error;
        break;
    }
    this.onMessage(msg);
  }

  createPeerConnection() {
    const pc = new RTCPeerConnection({
      bundlePolicy: "max-bundle",
      iceServers: this.iceServers,
      iceTransportPolicy: this.iceTransportPolicy,
      ...(this.frameCrypto ? connectionOptions() : {}),
    });
    if (this.frameCrypto) this.frameCrypto.watch(pc);
    pc.ontrack = (event) => {
      const stream = event.streams[0];
      if (!stream) return;
      const owner = this.streamOwners.get(stream.id) || this.streamOwners.get(event.track.id);
      if (owner && this.frameCrypto) this.frameCrypto.protectReceiver(event.receiver, owner);
      if (!owner || this.announcedStreams.has(stream.id)) return;
      this.announcedStreams.add(stream.id);
      this.onTrack(owner, stream, this.screenStreams.has(stream.id) ? "screen" : "camera");
    };
    pc.onicecandidate = (event) => {
      const candidate = event.candidate ? event.candidate.toJSON() : null;
      this.send({ type: "candidate", candidate });
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      if (pc.connectionState === "connected") this.setState("connected");
      // The node cannot restart ICE: a failed connection is rebuilt from scratch.
      if (pc.connectionState === "failed" && this.ws) this.ws.close();
    };
    return pc;
  }

  async answer(msg) {
    if (!this.pc) this.pc = this.createPeerConnection();
    const pc = this.pc;
    await pc.setRemoteDescription({ type: "offer", sdp: msg.sdp });
    // The node names the line for each thing we publish: "audio", "video" (the camera) and
    // "screen". The screen's line sends from the start, idle until we share, so sharing never
    // waits for a renegotiation.
    for (const [name, mid] of Object.entries(msg.publish || {})) {
      const transceiver = pc.getTransceivers().find((t) => t.mid === mid);
      if (!transceiver) continue;
      if (name === "screen") {
        transceiver.direction = "sendonly";
        await transceiver.sender.replaceTrack(this.screenTrack);
        this.screenSender = transceiver.sender;
        continue;
      }
      if (!this.localStream) continue;
      const track = name === "video" ? this.videoTrack : this.localStream.getAudioTracks()[0];
      if (!track) continue;
      transceiver.direction = "sendonly";
      await transceiver.sender.replaceTrack(track);
      transceiver.sender.setStreams(this.localStream);
      if (name === "video") this.videoSender = transceiver.sender;
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    this.send({ type: "answer", sdp: pc.localDescription.sdp });
    // Encodings exist once the answer is set; the node adapts each subscriber's share of them.
    if (this.videoSender && !this.layersMode) this.layersMode = await preferTemporalLayers(this.videoSender);
    if (!this.cameraWanted) await this.applyCameraWanted();
  }

  // Encode the camera only while someone sees it: nobody's tile showing it (speaker view, another
  // page of the grid) means its encoder would work for nothing. The track itself stays on, so our
  // own preview and the other way (during a move) are untouched. Only ``active`` changes: the
  // encodings keep their scalability mode (temporal-layers.js), which the node's layers rely on.
  async applyCameraWanted() {
    const sender = this.videoSender;
    if (!sender) return;
    const parameters = sender.getParameters();
    if (!parameters.encodings || !parameters.encodings.length) return;
    if (parameters.encodings.every((encoding) => encoding.active === this.cameraWanted)) return;
    for (const encoding of parameters.encodings) {
      encoding.active = this.cameraWanted;
      // A browser that leaves the mode out of getParameters() would reset it to one layer.
      if (this.layersMode && !encoding.scalabilityMode) encoding.scalabilityMode = this.layersMode;
    }
    try {
      await sender.setParameters(parameters);
    } catch (error) {
      console.warn("sfu-client: camera encoding", error);
    }
  }

  // Swap the published camera for another track (screen share) on the same
  // sender: no renegotiation, the node keeps forwarding the same stream.
  async replaceVideoTrack(track) {
    this.videoTrack = track;
    if (this.videoSender) await this.videoSender.replaceTrack(track);
  }

  // Share a screen (a video track) on its own line, or stop (null).
  async setScreen(track) {
    this.screenTrack = track;
    if (this.screenSender) await this.screenSender.replaceTrack(track);
  }

  // Streams whose tiles are off screen (room/visibility.js); said again after every (re)join.
  setHidden(streams) {
    this.hiddenStreams = streams;
    this.send({ type: "hidden", streams });
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  forgetPeer(participantId) {
    for (const [streamId, owner] of this.streamOwners) {
      if (owner === participantId) {
        this.streamOwners.delete(streamId);
        this.announcedStreams.delete(streamId);
      }
    }
  }

  teardown() {
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close();
    if (this.pc) this.pc.close();
    this.pc = null;
    this.videoSender = null;
    this.layersMode = null;
    this.screenSender = null;
    this.streamOwners.clear();
    this.screenStreams.clear();
    this.announcedStreams.clear();
  }

  // The one retry loop: back off, get a fresh token, try again, until joined or stopped.
  async lost() {
    this.teardown();
    while (!this.closedByUser) {
      if (this.finalError) {
        this.setState("failed");
        return;
      }
      this.setState("reconnecting");
      await sleep(RECONNECT_DELAYS_MS[Math.min(this.attempt, RECONNECT_DELAYS_MS.length - 1)]);
      this.attempt += 1;
      if (this.closedByUser) return;
      try {
        await this.attemptJoin(true);
        return;
      } catch (err) {
        console.warn("sfu-client: reconnect failed:", err.message);
        this.teardown();
      }
    }
  }

  close() {
    this.closedByUser = true;
    this.send({ type: "leave" });
    this.teardown();
    this.setState("closed");
  }
}
