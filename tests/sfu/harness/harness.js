// Test page: one participant joining through the real client module. The test
// server plays the app: /token hands out a join token for whichever node is current.
import { SfuConnection } from "/static/js/sfu-client.js";

const params = new URLSearchParams(location.search);
const participant = params.get("participant");
const room = params.get("room");
window.states = [];
window.messages = [];
window.tiles = {};

async function fetchToken() {
  const response = await fetch(`/token?room=${room}&participant=${participant}`);
  if (!response.ok) throw new Error(`token: ${response.status}`);
  return response.json();
}

async function start() {
  const localStream = await navigator.mediaDevices.getUserMedia({
    audio: true,
    video: { width: 320, height: 240, frameRate: 15 },
  });
  const { url, token } = await fetchToken();
  window.sfu = new SfuConnection({
    url,
    token,
    localStream,
    refresh: fetchToken,
    onTrack(peer, stream, kind) {
      if (kind === "screen") return; // this page shows cameras only
      let video = window.tiles[peer];
      if (!video) {
        video = document.createElement("video");
        video.autoplay = true;
        video.muted = true;
        video.playsInline = true;
        video.dataset.participant = peer;
        document.getElementById("tiles").append(video);
        window.tiles[peer] = video;
      }
      video.srcObject = stream;
    },
    onPeerLeft(peer) {
      const video = window.tiles[peer];
      if (video) video.remove();
      delete window.tiles[peer];
    },
    onState(state) {
      window.states.push(state);
      document.getElementById("state").textContent = state;
    },
    onMessage(msg) {
      window.messages.push(msg);
    },
  });
  await window.sfu.connect();
}

// Per inbound stream: frames decoded (video) or packets received (audio), for
// the test to watch rising.
window.inboundStats = async (kind) => {
  if (!window.sfu || !window.sfu.pc) return [];
  const report = await window.sfu.pc.getStats();
  const rows = [];
  report.forEach((stat) => {
    if (stat.type === "inbound-rtp" && stat.kind === kind) {
      rows.push({ mid: stat.mid, count: kind === "video" ? stat.framesDecoded || 0 : stat.packetsReceived || 0 });
    }
  });
  return rows;
};

start().catch((err) => {
  window.startError = String(err);
  document.getElementById("state").textContent = `error: ${err}`;
});
