// The room page: the lobby first, then the meeting. What the page needs to know (the
// ticket, the meeting modes and sizes) comes from the server in #room-app's data attributes.
import { bridgeToParent } from "./embedding.js";
import { forgetHostKeyInAddress } from "./hosting.js";
import { Lobby } from "./lobby.js";
import { bindShortcuts } from "./shortcuts.js";

const $ = (id) => document.getElementById(id);

function readConfig(element) {
  const data = element.dataset;
  return {
    ticket: data.ticket,
    room: data.room,
    largeMode: data.largeMode,
    viaNode: data.viaNode,
    maxTiles: Number(data.maxTiles),
    host: data.host === "true",
    readOnly: data.readOnly === "true",
    allowUnencrypted: data.allowUnencrypted === "true",
    picture: data.picture || null,
    appOrigins: JSON.parse(data.appOrigins || "{}"),
    latencyProbes: JSON.parse(data.latencyProbes || "[]"),
    embedOrigins: (data.embedOrigins || "").split(" ").filter(Boolean),
    startMuted: data.startMuted === "true",
    startCameraOff: data.startCameraOff === "true",
    autoJoin: data.autoJoin === "true",
  };
}

// The toolbar is bound once; each press goes to whichever meeting is on the page now.
function bindToolbar(current) {
  const press = (id, action) => {
    const button = $(id);
    if (!button) return;
    button.addEventListener("click", () => {
      const meeting = current();
      if (meeting && meeting.live) action(meeting);
    });
  };
  press("mic-toggle", (meeting) => meeting.toggleMic());
  press("camera-toggle", (meeting) => meeting.toggleCamera());
  press("screen-toggle", (meeting) => meeting.toggleScreen());
  press("hand-toggle", (meeting) => meeting.toggleHand());
  press("react-toggle", (meeting) => meeting.stage.toggleReactions());
  press("layout-toggle", (meeting) => meeting.stage.toggleLayout());
  press("shortcuts-toggle", () => $("shortcuts-dialog").showModal());
  press("chat-toggle", (meeting) => meeting.view.openPanel("chat", false));
  press("people-toggle", (meeting) => meeting.view.openPanel("people", false));
  press("apps-toggle", (meeting) => meeting.view.openPanel("apps", false));
  press("record-toggle", (meeting) => meeting.toggleRecording());
  press("lock-toggle", (meeting) => meeting.setLocked($("lock-toggle").getAttribute("aria-pressed") !== "true"));
  press("mute-all", (meeting) => meeting.hosting.muteEveryone());
  press("admit-all", (meeting) => meeting.hosting.answerEveryone(true));
  press("deny-all", (meeting) => meeting.hosting.answerEveryone(false));
  press("leave-button", (meeting) => meeting.leave());
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const meeting = current();
    if (meeting && meeting.live) meeting.sendChat($("chat-input"));
  });
  if (!navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) $("screen-toggle").hidden = true;
}

forgetHostKeyInAddress();
const config = readConfig($("room-app"));
if (!config.readOnly) {
  const lobby = new Lobby(config);
  bindToolbar(() => lobby.meeting);
  bridgeToParent(lobby, config.embedOrigins);
  bindShortcuts(() => lobby.meeting);
  lobby.start();
  if (config.autoJoin) lobby.join(); // an embedding site gave the name and asked to skip the lobby
}
