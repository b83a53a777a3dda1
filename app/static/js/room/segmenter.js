// Who is the person and what is background, frame by frame, computed in this browser: MediaPipe's
// selfie segmentation model run by a TensorFlow Lite WebAssembly build on the CPU (no WebGL),
// both served from our own static files (app/static/vendor/tflite/, rebuilt by
// scripts/vendor-effects). No frame leaves the page.
const VENDOR = new URL("../../vendor/tflite/", import.meta.url);
const LOADER = "tflite-simd-1-0-0.js"; // defines createTwilioTFLiteSIMDModule; finds its .wasm beside it
const MODEL = "selfie_segmentation_landscape.tflite";

let loading = null;

// Background effects need camera frames as objects (insertable streams, Chromium browsers today)
// and WebAssembly.
export function effectsUnsupportedReason() {
  const streams = "MediaStreamTrackProcessor" in window && "MediaStreamTrackGenerator" in window;
  if (!streams || !("OffscreenCanvas" in window) || !("VideoFrame" in window) || !window.WebAssembly) {
    return "This browser cannot change your background. Use a recent Chrome or Edge for background effects.";
  }
  return null;
}

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.addEventListener("load", resolve, { once: true });
    script.addEventListener("error", () => reject(new Error(`could not load ${url}`)), { once: true });
    script.src = url;
    document.head.append(script);
  });
}

class Segmenter {
  constructor(tflite) {
    this.tflite = tflite;
    this.width = tflite._getInputWidth();
    this.height = tflite._getInputHeight();
    this.outputChannels = tflite._getOutputChannelCount();
    this.canvas = new OffscreenCanvas(this.width, this.height);
    this.context = this.canvas.getContext("2d", { willReadFrequently: true });
    this.mask = new Float32Array(this.width * this.height);
  }

  // The person's confidence (0 to 1) per point of the model's small grid over the frame.
  personMask(frame) {
    const { tflite, width, height, mask } = this;
    this.context.drawImage(frame, 0, 0, width, height);
    const pixels = this.context.getImageData(0, 0, width, height).data;
    // The model takes RGB as floats in [0, 1]; the heap view is read each time as memory may grow.
    const input = tflite.HEAPF32;
    const inputAt = tflite._getInputMemoryOffset() / 4;
    for (let i = 0, p = 0, o = inputAt; i < mask.length; i += 1, p += 4, o += 3) {
      input[o] = pixels[p] / 255;
      input[o + 1] = pixels[p + 1] / 255;
      input[o + 2] = pixels[p + 2] / 255;
    }
    tflite._runInference();
    const output = tflite.HEAPF32;
    const outputAt = tflite._getOutputMemoryOffset() / 4;
    const stride = this.outputChannels;
    for (let i = 0; i < mask.length; i += 1) mask[i] = output[outputAt + i * stride + stride - 1];
    return { data: mask, width, height };
  }
}

// One segmenter per page, loaded the first time someone picks an effect, so nobody without an
// effect downloads the runtime (about 2.6 MB) and the model.
export function loadSegmenter() {
  if (!loading) {
    loading = (async () => {
      const [, model] = await Promise.all([
        loadScript(new URL(LOADER, VENDOR).href),
        fetch(new URL(MODEL, VENDOR).href).then((response) => {
          if (!response.ok) throw new Error(`model: HTTP ${response.status}`);
          return response.arrayBuffer();
        }),
      ]);
      const tflite = await window.createTwilioTFLiteSIMDModule();
      tflite.HEAPU8.set(new Uint8Array(model), tflite._getModelBufferMemoryOffset());
      const status = tflite._loadModel(model.byteLength);
      if (status !== 0) throw new Error(`model: load failed (${status})`);
      return new Segmenter(tflite);
    })();
    loading.catch(() => { loading = null; }); // a failed download may be retried later
  }
  return loading;
}
