// Temporal layers on the camera: the encoder tags every frame with a layer (L1T3: 0, 2, 1, 2, ...),
// and a frame of layer n references only layers up to n, so the node can send a subscriber on a
// weak link a half or a quarter of the frame rate without anyone re-encoding (sfu_node/layers.py).
// Chromium accepts "L1T3" for VP8; a browser that refuses it may take "L1T2"; one that takes
// neither sends a single layer, which the node forwards whole.
const MODES = ["L1T3", "L1T2"];

// Resolves to the mode now set on ``sender``, or null.
export async function preferTemporalLayers(sender) {
  for (const mode of MODES) {
    const params = sender.getParameters();
    if (!params.encodings || !params.encodings.length) return null; // not negotiated yet
    if (params.encodings[0].scalabilityMode === mode) return mode;
    params.encodings[0].scalabilityMode = mode;
    try {
      await sender.setParameters(params);
      return mode;
    } catch {
      // Refused (an unknown mode throws): try the next.
    }
  }
  return null;
}
