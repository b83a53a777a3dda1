"""What a page's WebRTC connections received and sent over a window, from two getStats() snapshots."""

# Cumulative counters of every live connection of a page, keyed so two snapshots can be diffed.
SNAPSHOT = """
async () => {
  const out = { video: {}, audio: {}, sent: {}, transport: { bytesReceived: 0, bytesSent: 0 },
    connections: window.__peerConnections.length, at: performance.now() };
  for (const [index, pc] of window.__peerConnections.entries()) {
    if (pc.connectionState === "closed") continue; // "disconnected" on a saturated link still counts
    const stats = await pc.getStats();
    stats.forEach((r) => {
      const key = `${index}/${r.id}`;
      if (r.type === "inbound-rtp" && r.kind === "video") {
        out.video[key] = { track: r.trackIdentifier, frames: r.framesDecoded || 0, freezes: r.freezeCount || 0,
          frozen: r.totalFreezesDuration || 0, lost: r.packetsLost || 0, received: r.packetsReceived || 0,
          width: r.frameWidth || 0, bytes: r.bytesReceived || 0, nacks: r.nackCount || 0, plis: r.pliCount || 0 };
      } else if (r.type === "inbound-rtp" && r.kind === "audio") {
        out.audio[key] = { concealed: r.concealedSamples || 0, samples: r.totalSamplesReceived || 0,
          lost: r.packetsLost || 0, received: r.packetsReceived || 0 };
      } else if (r.type === "outbound-rtp" && r.kind === "video") {
        out.sent[key] = { keyframes: r.keyFramesEncoded || 0, frames: r.framesEncoded || 0, plis: r.pliCount || 0,
          nacks: r.nackCount || 0, bytes: r.bytesSent || 0 };
      } else if (r.type === "transport" && r.selectedCandidatePairId) {
        // Only the pair in use: an ICE agent may keep other nominated pairs around.
        const pair = stats.get(r.selectedCandidatePairId);
        out.transport.bytesReceived += pair ? pair.bytesReceived || 0 : 0;
        out.transport.bytesSent += pair ? pair.bytesSent || 0 : 0;
      }
    });
  }
  return out;
}
"""


def diff(before, after, seconds):
    """Per remote video/audio stream and per own sender: rates and shares over the window."""
    video = []
    for key, end in after["video"].items():
        start = before["video"].get(key)
        if start is None:
            continue
        packets = end["received"] - start["received"] + end["lost"] - start["lost"]
        video.append(
            {
                "fps": (end["frames"] - start["frames"]) / seconds,
                "frozen": end["frozen"] - start["frozen"],
                "freezes": end["freezes"] - start["freezes"],
                "loss": (end["lost"] - start["lost"]) / packets if packets > 0 else 0.0,
                "kbps": (end["bytes"] - start["bytes"]) * 8 / seconds / 1000,
                "width": end["width"],
            }
        )
    audio = []
    for key, end in after["audio"].items():
        start = before["audio"].get(key)
        if start is None:
            continue
        samples = end["samples"] - start["samples"]
        audio.append({"concealed": (end["concealed"] - start["concealed"]) / samples if samples else 1.0})
    keyframes = sum(end["keyframes"] - before["sent"].get(key, end)["keyframes"] for key, end in after["sent"].items())
    kbps_in = (after["transport"]["bytesReceived"] - before["transport"]["bytesReceived"]) * 8 / seconds / 1000
    kbps_out = (after["transport"]["bytesSent"] - before["transport"]["bytesSent"]) * 8 / seconds / 1000
    return {
        "video": video,
        "audio": audio,
        "keyframes_per_10s": keyframes * 10 / seconds,
        "kbps_in": kbps_in,
        "kbps_out": kbps_out,
        # Connections rebuilt during the window (the node's or a failed ICE's): counters restart there.
        "reconnects": after["connections"] - before["connections"],
    }
