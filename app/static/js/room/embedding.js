// The room inside another site's frame: events to the embedding page and its commands back,
// both only with the one parent origin the room's owner allowed (data-embed-origins). The
// server's frame-ancestors already keeps other sites from framing the room; this makes sure
// nothing is told to, or taken from, anyone else either.
const SOURCE = "parlor";
const COMMANDS = ["toggle_camera", "toggle_microphone", "leave"];

function parentOrigin(allowed) {
  if (window.parent === window) return null;
  let origin = null;
  if (window.location.ancestorOrigins && window.location.ancestorOrigins.length) {
    origin = window.location.ancestorOrigins[0];
  } else if (document.referrer) {
    origin = new URL(document.referrer).origin;
  }
  return allowed.includes(origin) ? origin : null;
}

export function bridgeToParent(lobby, allowed) {
  const origin = parentOrigin(allowed);
  if (!origin) return;
  document.body.classList.add("in-frame");
  const post = (type, detail = {}) => window.parent.postMessage({ source: SOURCE, type, ...detail }, origin);

  lobby.onMeeting = (meeting) => {
    meeting.addEventListener("joined", ({ detail }) => post("joined", detail));
    meeting.addEventListener("participants", ({ detail }) => post("participant_update", detail));
    meeting.addEventListener("leave", () => post("leave"));
    meeting.addEventListener("ended", () => post("left"));
  };

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || event.origin !== origin) return;
    const message = event.data || {};
    if (message.source !== SOURCE || !COMMANDS.includes(message.command)) return;
    const meeting = lobby.meeting;
    if (!meeting || !meeting.live) return;
    if (message.command === "toggle_camera") meeting.toggleCamera();
    else if (message.command === "toggle_microphone") meeting.toggleMic();
    else meeting.leave();
  });
  post("ready");
}
