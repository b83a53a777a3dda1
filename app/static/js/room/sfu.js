// Large meetings: one connection to the room's video router. When the router dies, the
// client asks the app again ("reconnect"); the app moves the room to a live router.
import { SfuConnection } from "../sfu-client.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startLargeMeeting({ signaling, view, localStream }) {
  let connection = null;
  let closed = false;
  let outgoingVideo = localStream ? localStream.getVideoTracks()[0] || null : null;
  const refresh = () => signaling.request("sfu", { reconnect: true });

  async function open(reconnect) {
    view.setNetwork(reconnect ? "reconnecting" : "connecting");
    for (let attempt = 0; !closed; attempt += 1) {
      try {
        const { url, token } = await signaling.request("sfu", { reconnect });
        const candidate = new SfuConnection({
          url,
          token,
          localStream,
          refresh,
          onTrack: (participantId, stream) => view.attachStream(participantId, stream),
          onState: (state) => {
            if (closed || candidate !== connection) return;
            if (state === "connected") view.setNetwork("connected");
            else if (state === "reconnecting" || state === "connecting") view.setNetwork("reconnecting");
            else if (state === "failed") open(true); // its own retries ran out: start over
          },
        });
        connection = candidate;
        await candidate.connect();
        if (outgoingVideo && localStream && outgoingVideo !== localStream.getVideoTracks()[0]) {
          await candidate.replaceVideoTrack(outgoingVideo);
        }
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
  };
}
