// Large meetings: one connection to the room's video router. Retrying is the
// connection's job (sfu-client.js); this module only tells it where tokens come from
// and shows its state. Every attempt asks the app for a fresh single-use token; when the
// router died, the app (which noticed its missing heartbeats) answers with the room's new one.
import { SfuConnection } from "../sfu-client.js";
import { reportHiddenVideo } from "./visibility.js";

const NETWORK_STATES = {
  connecting: "connecting",
  connected: "connected",
  reconnecting: "reconnecting",
  failed: "router-failed",
};

// ``onTrack`` gets each remote person's stream; ``onRegion`` the label of the node's region
// with every grant; the state shows on the page only while ``showsState()`` says so (during
// a move to the node, the mesh still speaks for the meeting).
// ``onSpeaker`` gets the participant id the node names as the active speaker (from audio levels);
// ``onPaused`` gets {cameras, screens}: whose video the node paused because our link cannot carry it.
export function startLargeMeeting({ signaling, view, localStream, onTrack, onRegion = () => {}, showsState = () => true,
                                    frameCrypto = null, onSpeaker = () => {}, onPaused = () => {} }) {
  const connection = new SfuConnection({
    localStream,
    frameCrypto,
    refresh: async () => {
      const grant = await signaling.request("sfu", {});
      onRegion(grant.region_label);
      return grant;
    },
    onTrack,
    onMessage: (msg) => {
      if (msg.type === "speaker") onSpeaker(msg.participant);
      else if (msg.type === "paused") onPaused({ cameras: msg.cameras || [], screens: msg.screens || [] });
    },
    // The same switch as the mesh's: ``?relay=1`` tests (or forces) a TURN-only path.
    iceTransportPolicy: new URLSearchParams(location.search).get("relay") === "1" ? "relay" : "all",
    onState: (state) => {
      if (NETWORK_STATES[state] && showsState()) view.setNetwork(NETWORK_STATES[state]);
    },
  });
  connection.connect().catch((error) => console.warn("video router:", error.message));
  const stopReporting = reportHiddenVideo(connection);
  const close = connection.close.bind(connection);
  connection.close = () => {
    stopReporting();
    close();
  };
  return connection;
}
