// How this page's media travels: a peer-to-peer mesh or one connection to the room's node,
// and the move between them when the server says the meeting changed size (auto rooms).
//
// Every move is make-before-break: the new way is built and must carry a picture from each
// remote person (or run out of time) before their tile switches over. Then the page says so
// ("switched") and keeps the old way up until everyone who was there has said the same, so no
// one's tile of us goes dark while their new stream of us is still starting.
import { Mesh } from "./mesh.js";
import { startLargeMeeting } from "./sfu.js";

// Longest wait for the new way to carry everyone before we switch anyway.
const READY_TIMEOUT_MS = 15000;
// The old way stays up after we switched until the others have too, at least this long
// (their last frames on it are still being decoded) and at most the cap (someone stuck).
const LINGER_MIN_MS = 300;
const LINGER_CAP_MS = 12000;
// A peer-to-peer signal that arrives while no mesh takes it (someone moved back before we did)
// waits this long for ours: perfect negotiation never recovers from a lost offer.
const SIGNAL_KEEP_MS = 20000;
// At most this many kept (a meeting's worth of offers and candidates), so a flood cannot grow it.
const SIGNALS_KEPT = 400;
const PEERS_LABEL = "Peer-to-peer, end-to-end encrypted";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolves once a remote stream has a picture to show: its video has a first decoded frame
// (an offscreen element reports it), or, without video, its audio track has had packets.
function flowing(stream) {
  const video = stream.getVideoTracks()[0];
  if (!video) {
    const audio = stream.getAudioTracks()[0];
    if (!audio || !audio.muted) return Promise.resolve();
    return new Promise((resolve) => audio.addEventListener("unmute", resolve, { once: true }));
  }
  return new Promise((resolve) => {
    const probe = document.createElement("video");
    probe.muted = true;
    probe.playsInline = true;
    const done = () => {
      probe.srcObject = null;
      resolve();
    };
    probe.addEventListener("loadeddata", done, { once: true });
    probe.srcObject = new MediaStream([video]);
    probe.play().catch(() => {});
  });
}

export class MeetingTransport {
  constructor({ signaling, view, localStream, selfId, iceServers, viaNode, frameCrypto = null, onStream = () => {},
                onSpeaker = () => {} }) {
    this.frameCrypto = frameCrypto; // on both ways, so keys are in place before a move
    this.signaling = signaling;
    this.view = view;
    this.localStream = localStream;
    this.selfId = selfId;
    this.iceServers = iceServers;
    this.viaNode = viaNode;
    this.onStream = onStream; // every remote camera stream, wherever it came from (speaking.js listens)
    this.onSpeaker = onSpeaker; // the node's active speaker, while the meeting goes through it
    this.screenStream = null; // our shared screen, published again on whichever way we move to
    this.mesh = null;
    this.sfu = null;
    this.via = null;
    this.region = null;
    this.moving = Promise.resolve();
    this.closed = false;
    this.switchedTo = new Map(); // person id -> the way all their tiles play from, as they said
    this.waitingSignals = []; // [{message, at}] for a mesh not made yet
    signaling.on("signal", (message) => this.routeSignal(message));
    signaling.on("switched", ({ from, via } = {}) => typeof from === "string" && this.switchedTo.set(from, via));
  }

  start({ via, region }) {
    this.setRoute(via, region);
    const attach = (id, stream) => {
      this.view.attachStream(id, stream);
      this.onStream(id, stream);
    };
    if (via === this.viaNode) this.sfu = this.openNode(attach);
    else this.mesh = this.openMesh(attach);
    this.showState();
  }

  // The server moved the meeting. Moves run one after the other, each to the latest word.
  moveTo(state) {
    this.moving = this.moving.then(() => this.move(state)).catch((error) => console.warn("parlor: move", error));
    return this.moving;
  }

  async move({ via, region }) {
    if (this.closed) return;
    if (via === this.via) {
      this.setRoute(via, region || this.region);
      return;
    }
    const toNode = via === this.viaNode;
    // Who must be done with the old way before we close it: to the node, those we have a mesh
    // connection with (someone who joined on the node never had one and never says "switched").
    const before = this.view.ids().filter((id) => !toNode || !this.mesh || this.mesh.peers.has(id));
    const ready = new Map();
    // Each tile switches as soon as its new stream carries frames: the others are moving too
    // and may close their old end of our connection before everyone is ready here.
    const arrived = (id, stream) => {
      ready.set(id, stream);
      flowing(stream).then(() => {
        if (this.closed || ready.get(id) !== stream || !this.view.has(id)) return;
        this.view.attachStream(id, stream);
        this.onStream(id, stream);
      });
    };
    const next = toNode ? this.openNode(arrived) : this.openMesh(arrived);
    if (toNode) {
      this.sfu = next;
      if (this.mesh) this.mesh.holdRestarts = true; // the others closing their ends is expected now
    } else {
      this.mesh = next;
    }
    await this.whenCarried(ready);
    if (this.closed) return;
    // From now on new streams go straight to the tiles, and the ones we have switch over.
    next.onAttach = (id, stream) => {
      this.view.attachStream(id, stream);
      this.onStream(id, stream);
    };
    for (const [id, stream] of ready) if (this.view.has(id)) next.onAttach(id, stream);
    this.setRoute(via, region);
    this.showState();
    this.signaling.send("switched", { via });
    await this.othersSwitched(before, via);
    if (this.closed) return;
    if (toNode && this.mesh) {
      this.mesh.stop();
      this.mesh = null;
    } else if (!toNode && this.sfu) {
      this.sfu.close();
      this.sfu = null;
      this.view.setVideoPaused(); // peer-to-peer, nothing is paused by a node
    }
  }

  // Until everyone in the meeting now has a stream on the new way that carries media.
  async whenCarried(ready) {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!this.closed && Date.now() < deadline) {
      const ids = this.view.ids();
      if (ids.every((id) => ready.has(id))) {
        const timeLeft = sleep(Math.max(0, deadline - Date.now()));
        await Promise.race([Promise.all(ids.map((id) => flowing(ready.get(id)))), timeLeft]);
        return;
      }
      await sleep(100);
    }
  }

  // Until each of ``ids`` still in the meeting has said its tiles play from ``via`` (capped).
  async othersSwitched(ids, via) {
    await sleep(LINGER_MIN_MS);
    const deadline = Date.now() + LINGER_CAP_MS;
    while (!this.closed && Date.now() < deadline && this.via === via) {
      if (ids.every((id) => !this.view.has(id) || this.switchedTo.get(id) === via)) return;
      await sleep(100);
    }
  }

  onNode() {
    return this.via === this.viaNode;
  }

  routeSignal(message) {
    if (this.mesh && this.mesh.takes(message)) {
      this.mesh.deliver(message);
      return;
    }
    // Kept per sender from their latest offer on: what came before belongs to a connection gone.
    const now = Date.now();
    const offer = message && message.description && message.description.type === "offer";
    this.waitingSignals = this.waitingSignals.filter(
      ({ message: kept, at }) => now - at < SIGNAL_KEEP_MS && !(offer && kept.from === message.from),
    );
    this.waitingSignals.push({ message, at: now });
    if (this.waitingSignals.length > SIGNALS_KEPT) this.waitingSignals.shift();
  }

  openNode(onTrack) {
    // Declared first: the connection reports its state while it is still being made.
    let sfu = null;
    const mine = () => sfu !== null && this.sfu === sfu;
    sfu = startLargeMeeting({
      signaling: this.signaling,
      view: this.view,
      localStream: this.localStream,
      frameCrypto: this.frameCrypto,
      // Shared screens skip the make-before-break bookkeeping: they are extra tiles, not cameras.
      onTrack: (id, stream, kind) => (kind === "screen" ? this.view.attachScreen(id, stream) : sfu.onAttach(id, stream)),
      onRegion: (region) => this.onNode() && mine() && this.setRoute(this.via, region),
      showsState: () => this.onNode() && mine(),
      onSpeaker: (id) => this.onNode() && mine() && this.onSpeaker(id),
      onPaused: ({ cameras, screens }) => this.onNode() && mine() && this.view.setVideoPaused(cameras, screens),
    });
    sfu.onAttach = onTrack;
    if (this.screenStream) sfu.setScreen(this.screenStream.getVideoTracks()[0]);
    return sfu;
  }

  openMesh(onTrack) {
    const mesh = new Mesh({
      selfId: this.selfId,
      signaling: this.signaling,
      iceServers: this.iceServers,
      localStream: this.localStream,
      isKnown: (id) => this.view.has(id),
      frameCrypto: this.frameCrypto,
    });
    mesh.onAttach = onTrack;
    mesh.screenStream = this.screenStream;
    mesh.addEventListener("track", ({ detail }) => {
      if (this.view.isScreenStream(detail.peerId, detail.stream)) this.view.attachScreen(detail.peerId, detail.stream);
      else mesh.onAttach(detail.peerId, detail.stream);
    });
    mesh.addEventListener("state", ({ detail }) => !this.onNode() && this.mesh === mesh && this.view.setNetwork(detail));
    // What the others' new meshes already sent us, in order; then we reach whoever is left.
    const now = Date.now();
    const waiting = this.waitingSignals.filter(({ at }) => now - at < SIGNAL_KEEP_MS);
    this.waitingSignals = [];
    waiting.forEach(({ message }) => mesh.takes(message) && mesh.deliver(message));
    this.view.ids().filter((id) => !mesh.peers.has(id)).forEach((id) => mesh.connect(id));
    return mesh;
  }

  showState() {
    if (this.onNode()) this.view.setNetwork(this.sfu && this.sfu.state === "connected" ? "connected" : "connecting");
    else if (this.mesh) this.view.setNetwork(this.mesh.overallState());
  }

  setRoute(via, region) {
    this.via = via;
    this.region = region || null;
    this.view.setConnectedLabel(via === this.viaNode
      ? (this.region ? `Through Parlor's server in ${this.region}` : "Through Parlor's server")
      : PEERS_LABEL);
  }

  // Our breakout scope changed (those who left it are gone already, through ``personLeft``):
  // reach the newcomers on the scope's way. A group on the node meets under its own name there,
  // so a node connection is made again with a token for the new scope.
  rescope(state, newIds) {
    this.moving = this.moving.then(async () => {
      if (this.closed) return;
      if (state.via !== this.via) return this.move(state);
      if (this.mesh) {
        // One side offers (the impolite one, as a joiner would), the other answers: two fresh
        // offers crossing would leave the polite side's own tracks unsent.
        newIds.filter((id) => !this.mesh.isPolite(id)).forEach((id) => this.mesh.connect(id));
      } else if (this.sfu) {
        this.sfu.close();
        this.sfu = this.openNode((id, stream) => {
          this.view.attachStream(id, stream);
          this.onStream(id, stream);
        });
      }
      this.showState();
    }).catch((error) => console.warn("parlor: breakout", error));
    return this.moving;
  }

  personLeft(id) {
    if (this.mesh) this.mesh.closePeer(id);
  }

  // Socket.IO came back after a drop: rebuild the mesh, or trust the node connection's own retries.
  rejoined({ selfId, transport }) {
    this.selfId = selfId;
    if (transport.via !== this.via) return this.moveTo(transport);
    if (this.mesh) {
      this.mesh.close();
      this.mesh.selfId = selfId;
      this.view.ids().forEach((id) => this.mesh.connect(id));
    }
    this.showState();
  }

  // Our camera goes out as ``track`` from now on, instead of ``old``, on every way open now (both
  // during a move); connections made later take it from the local stream.
  async replaceVideoTrack(track, old) {
    if (this.mesh) await this.mesh.replaceVideoTrack(track, old);
    if (this.sfu) await this.sfu.replaceVideoTrack(track);
  }

  // Share a screen beside the camera (a stream), or stop (null), on every way open now.
  async setScreen(stream) {
    this.screenStream = stream;
    if (this.mesh) this.mesh.setScreen(stream);
    if (this.sfu) await this.sfu.setScreen(stream ? stream.getVideoTracks()[0] : null);
  }

  close() {
    this.closed = true;
    if (this.mesh) this.mesh.stop();
    if (this.sfu) this.sfu.close();
  }
}
