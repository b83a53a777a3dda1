// Large meetings: one connection to the room's video router, re-established on a new
// router when the old one dies (the app moves the room; we only ask again).
import { SfuConnection } from "../sfu-client.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startLargeMeeting({ signaling, view, localStream }) {
  let connection = null;
  let generation = 0;
  let closed = false;
  let outgoingVideo = localStream ? localStream.getVideoTracks()[0] || null : null;

  async function open(reconnect) {
    const mine = ++generation;
    view.setNetwork(reconnect ? "reconnecting" : "connecting");
    for (let attempt = 0; !closed && mine === generation; attempt += 1) {
      try {
        const { url, token } = await signaling.request("sfu", { reconnect });
        const candidate = new SfuConnection({
          url,
          token,
          localStream,
          onTrack: (participantId, stream) => view.attachStream(participantId, stream),
          onPeerLeft: () => {},
          onState: (state) => {
            if (mine !== generation || closed) return;
            if (state === "connected") view.setNetwork("connected");
            else if (state === "failed" || state === "closed") open(true);
            else if (state === "reconnecting") view.setNetwork("reconnecting");
          },
          onMessage: (message) => {
            if (message.type === "error") console.warn("video router:", message.error);
          },
        });
        connection = candidate;
        await candidate.connect();
        const camera = localStream ? localStream.getVideoTracks()[0] : null;
        if (outgoingVideo && outgoingVideo !== camera) await candidate.replaceVideoTrack(outgoingVideo);
        return;
      } catch (error) {
        reconnect = true;
        view.setNetwork("reconnecting");
        await sleep(Math.min(5000, 500 * 2 ** attempt));
      }
    }
  }

  await open(false);
  return {
    async replaceVideoTrack(track) {
      outgoingVideo = track;
      if (connection) await connection.replaceVideoTrack(track);
    },
    close() {
      closed = true;
      if (connection) connection.close();
    },
    connections() {
      return connection && connection.pc ? [connection.pc] : [];
    },
  };
}
