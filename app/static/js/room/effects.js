// A background effect on our camera before anyone sees it: each camera frame is segmented
// (segmenter.js), the background blurred or replaced by an image, and the result goes out as a
// new video track. The preview, the peer connections and the recording all take that track, so
// the raw camera never leaves the page while an effect is on.
//
// The device must keep up: when it processes fewer than 15 frames a second, the pipeline stops
// the effect and passes the camera through unchanged (the track stays the same, so nothing
// has to be renegotiated), and says so with a "fallback" event.
export const MIN_FPS = 15;
const WINDOW_MS = 3000; // frame rate measured over this long
const WARMUP_MS = 2000; // the first frames compile the model's code: not counted
const BLUR_SCALE = 12;
const LOW_WINDOWS = 2; // in a row below the floor: a join or another tab's burst is not a slow device
const BUSY_SHARE = 0.6; // of the window spent on the effect, to blame it for a low frame rate
const SEGMENT_EVERY = 2; // frames: a person moves little in 1/15 s, and the model is the dearest part // the background is drawn this many times smaller, then stretched back

export class BackgroundPipeline extends EventTarget {
  constructor(cameraTrack, segmenter) {
    super();
    this.camera = cameraTrack;
    this.segmenter = segmenter;
    this.effect = { kind: "none" };
    this.generator = new MediaStreamTrackGenerator({ kind: "video" });
    this.track = this.generator;
    this.reader = new MediaStreamTrackProcessor({ track: cameraTrack }).readable.getReader();
    this.writer = this.generator.writable.getWriter();
    this.canvases = null;
    this.backdrop = null; // the chosen image, drawn once at the frame's size
    this.stopped = false;
    this.fellBack = false;
    this.window = { started: 0, frames: 0, busyMs: 0 };
    this.lowWindows = 0;
    this.lastFps = null;
    this.run();
  }

  // { kind: "none" } | { kind: "blur" } | { kind: "image", image: ImageBitmap }
  setEffect(effect) {
    this.effect = effect;
    this.backdrop = null;
    this.fellBack = false;
    this.window = { started: 0, frames: 0, busyMs: 0 };
    this.lowWindows = 0;
  }

  get active() {
    return this.effect.kind !== "none" && !this.fellBack;
  }

  stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.camera.stop();
    this.generator.stop();
    this.reader.cancel().catch(() => {});
  }

  async run() {
    while (!this.stopped) {
      let read;
      try {
        read = await this.reader.read();
      } catch (error) {
        break;
      }
      if (read.done) break;
      const frame = read.value;
      // Whoever holds our track (the lobby, then the meeting) stops it when done with it.
      if (this.generator.readyState === "ended") {
        frame.close();
        break;
      }
      // A switched-off camera sends black whatever we write, so we spare the work.
      const out = this.active && this.generator.enabled ? this.process(frame) : frame;
      try {
        await this.writer.write(out);
      } catch (error) {
        out.close();
        break;
      }
    }
    this.stop();
  }

  process(frame) {
    const started = performance.now();
    let out;
    try {
      out = this.compose(frame);
    } catch (error) {
      console.warn("parlor: background effect", error);
      this.fallBack(null);
      return frame;
    }
    frame.close();
    this.measure(started, performance.now());
    return out;
  }

  // Processed frames per second over a window. Below the floor in two windows in a row, the effect
  // gives up, if it was what held frames back (busy most of the window), not a camera that sends few.
  measure(started, ended) {
    const window = this.window;
    if (!window.started) window.started = ended + WARMUP_MS;
    if (started < window.started) return;
    window.frames += 1;
    window.busyMs += ended - started;
    const elapsed = ended - window.started;
    if (elapsed < WINDOW_MS) return;
    const fps = (1000 * window.frames) / elapsed;
    const busy = window.busyMs / elapsed;
    this.lastFps = fps;
    this.window = { started: ended, frames: 0, busyMs: 0 };
    this.dispatchEvent(new CustomEvent("fps", { detail: { fps, busy } }));
    this.lowWindows = fps < MIN_FPS && busy > BUSY_SHARE ? this.lowWindows + 1 : 0;
    if (this.lowWindows >= LOW_WINDOWS) this.fallBack(fps);
  }

  // ``fps`` null: the effect failed rather than ran slowly.
  fallBack(fps) {
    this.fellBack = true;
    this.dispatchEvent(new CustomEvent("fallback", { detail: { fps } }));
  }

  sized(width, height) {
    const c = this.canvases;
    if (c && c.width === width && c.height === height) return c;
    const canvas = (w, h) => {
      const element = new OffscreenCanvas(w, h);
      return { element, context: element.getContext("2d", { willReadFrequently: false }) };
    };
    this.backdrop = null;
    this.canvases = {
      width,
      height,
      out: canvas(width, height),
      person: canvas(width, height),
      small: canvas(Math.max(1, Math.round(width / BLUR_SCALE)), Math.max(1, Math.round(height / BLUR_SCALE))),
      mask: null,
    };
    return this.canvases;
  }

  // The person's mask as an alpha channel, softened at the edge so hair does not flicker.
  maskCanvas(canvases, mask) {
    if (!canvases.mask || canvases.mask.element.width !== mask.width || canvases.mask.element.height !== mask.height) {
      const element = new OffscreenCanvas(mask.width, mask.height);
      const context = element.getContext("2d");
      canvases.mask = { element, context, pixels: context.createImageData(mask.width, mask.height) };
    }
    const { pixels } = canvases.mask;
    const alpha = pixels.data;
    for (let i = 0, j = 3; i < mask.data.length; i += 1, j += 4) {
      const c = (mask.data[i] - 0.35) / 0.3; // 0.35 and below: background; 0.65 and above: person
      alpha[j] = c <= 0 ? 0 : c >= 1 ? 255 : c * 255;
    }
    canvases.mask.context.putImageData(pixels, 0, 0);
    return canvases.mask.element;
  }

  backdropFor(canvases, image) {
    if (this.backdrop) return this.backdrop;
    const { width, height } = canvases;
    const element = new OffscreenCanvas(width, height);
    const context = element.getContext("2d");
    // Cover the frame, cropping the image's longer side, like CSS object-fit: cover.
    const scale = Math.max(width / image.width, height / image.height);
    const w = image.width * scale;
    const h = image.height * scale;
    context.drawImage(image, (width - w) / 2, (height - h) / 2, w, h);
    this.backdrop = element;
    return element;
  }

  compose(frame) {
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    const canvases = this.sized(width, height);
    this.frames = (this.frames || 0) + 1;
    const fresh = !canvases.mask || this.frames % SEGMENT_EVERY === 0;
    const mask = fresh ? this.maskCanvas(canvases, this.segmenter.personMask(frame)) : canvases.mask.element;

    const person = canvases.person.context;
    person.globalCompositeOperation = "copy";
    person.drawImage(frame, 0, 0, width, height);
    person.globalCompositeOperation = "destination-in";
    person.drawImage(mask, 0, 0, width, height);

    const out = canvases.out.context;
    out.globalCompositeOperation = "copy";
    if (this.effect.kind === "image") {
      out.drawImage(this.backdropFor(canvases, this.effect.image), 0, 0);
    } else {
      // Drawing the frame small and stretching it back is a strong, cheap blur.
      const small = canvases.small;
      small.context.filter = "blur(1px)";
      small.context.drawImage(frame, 0, 0, small.element.width, small.element.height);
      out.imageSmoothingQuality = "high";
      out.drawImage(small.element, 0, 0, width, height);
    }
    out.globalCompositeOperation = "source-over";
    out.drawImage(canvases.person.element, 0, 0);
    return new VideoFrame(canvases.out.element, { timestamp: frame.timestamp, duration: frame.duration ?? undefined });
  }
}
