// Only what is seen: video whose tile is off this screen (another page of the grid on a phone,
// a tile speaker view hides, a hidden tile) costs the link for nothing. The node stops sending it
// and resumes on a keyframe when the tile shows again; audio always goes on.
//
// Only streams a tile on the page shows, and does not render, are reported: a stream no element
// shows yet (a move to the node checks its frames off the page first) keeps coming, and so does a
// tile merely scrolled below the fold (the person may scroll to it at any moment).
const SETTLE_MS = 300; // scrolling or a layout change reports once, when it is over
const RESCAN_MS = 2000; // tiles swap streams without a DOM mutation (srcObject is no attribute)

export function reportHiddenVideo(connection, root = document) {
  const seen = new Map(); // video element -> rendered
  let timer = null;
  let last = null;

  const flush = () => {
    const shown = new Set();
    const hidden = new Set();
    for (const [video, visible] of seen) {
      const stream = video.srcObject;
      if (!stream || !connection.streamOwners.has(stream.id)) continue;
      (visible ? shown : hidden).add(stream.id);
    }
    const streams = [...hidden].filter((id) => !shown.has(id)).sort();
    const key = streams.join(" ");
    if (key === last) return;
    last = key;
    connection.setHidden(streams);
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(flush, SETTLE_MS);
  };
  // Rendered: not inside something hidden (display: none, [hidden], a collapsed layout).
  const rendered = (video) => (video.checkVisibility ? video.checkVisibility() : video.getClientRects().length > 0);
  // Intersection changes are when rendering may have changed; whether it did is asked directly.
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) seen.set(entry.target, rendered(entry.target));
    schedule();
  });
  const scan = () => {
    for (const video of root.querySelectorAll("video")) {
      if (!seen.has(video)) observer.observe(video);
      seen.set(video, rendered(video));
    }
    for (const video of [...seen.keys()]) {
      if (video.isConnected) continue;
      observer.unobserve(video);
      seen.delete(video);
    }
    schedule();
  };
  new MutationObserver(scan).observe(root.body, { childList: true, subtree: true });
  const rescan = setInterval(scan, RESCAN_MS);
  scan();
  return () => {
    clearInterval(rescan);
    observer.disconnect();
  };
}
