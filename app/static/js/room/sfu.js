// Large meetings: one connection to the room's video router. Retrying is the
// connection's job (sfu-client.js); this module only tells it where tokens come from
// and shows its state. A reconnect asks the app with ``reconnect: true``, so the app
// can move the room to a live router when this one died.
import { SfuConnection } from "../sfu-client.js";

const NETWORK_STATES = {
  connecting: "connecting",
  connected: "connected",
  reconnecting: "reconnecting",
  failed: "router-failed",
};

export function startLargeMeeting({ signaling, view, localStream }) {
  const connection = new SfuConnection({
    localStream,
    refresh: ({ reconnect }) => signaling.request("sfu", { reconnect }),
    onTrack: (participantId, stream) => view.attachStream(participantId, stream),
    onState: (state) => {
      if (NETWORK_STATES[state]) view.setNetwork(NETWORK_STATES[state]);
    },
  });
  connection.connect().catch((error) => console.warn("video router:", error.message));
  return connection;
}
