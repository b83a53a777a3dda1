// Recording for Pro hosts, entirely in the host's browser: the tiles are painted onto a
// canvas, every voice is mixed with Web Audio, and MediaRecorder writes a WebM file that is
// downloaded at the end. Nothing is uploaded anywhere. Only the people who said "Include me"
// (recording-consent.js) are painted and heard; everyone else is left out of the file.

const WIDTH = 1280;
const HEIGHT = 720;

export class MeetingRecorder {
  constructor(tilesElement, included) {
    this.tiles = tilesElement;
    this.included = included;
    this.recorder = null;
    this.chunks = [];
    this.timer = null;
    this.audio = null;
    this.sources = new Map();
  }

  get active() {
    return Boolean(this.recorder && this.recorder.state === "recording");
  }

  start() {
    const canvas = document.createElement("canvas");
    canvas.width = WIDTH;
    canvas.height = HEIGHT;
    const context = canvas.getContext("2d");
    this.audio = new AudioContext();
    this.mix = this.audio.createMediaStreamDestination();
    // A timer, not requestAnimationFrame: recording must go on when the tab is hidden.
    this.timer = setInterval(() => this.paint(context), 1000 / 25);
    this.syncAudio();
    const stream = new MediaStream([...canvas.captureStream(25).getVideoTracks(), ...this.mix.stream.getAudioTracks()]);
    const type = ["video/webm;codecs=vp8,opus", "video/webm"].find((t) => MediaRecorder.isTypeSupported(t));
    this.recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    this.chunks = [];
    this.recorder.ondataavailable = (event) => event.data.size && this.chunks.push(event.data);
    this.recorder.start(1000);
  }

  // The tiles of the people in the recording now.
  recordedTiles() {
    // A shared screen's tile (screens.js) is its sharer's: in the recording exactly when they are.
    return [...this.tiles.querySelectorAll(".tile")].filter((tile) => this.included(tile.dataset.id || tile.dataset.screen));
  }

  // Voices follow the answers: people who said yes (or joined and said yes later) are mixed in,
  // and anyone who changed their mind is taken out at once.
  syncAudio() {
    if (!this.audio) return;
    const wanted = new Set();
    for (const tile of this.recordedTiles()) {
      const video = tile.querySelector("video");
      const stream = video && video.srcObject;
      if (!stream || !stream.getAudioTracks().length) continue;
      wanted.add(stream);
      if (this.sources.has(stream)) continue;
      const source = this.audio.createMediaStreamSource(new MediaStream(stream.getAudioTracks()));
      source.connect(this.mix);
      this.sources.set(stream, source);
    }
    for (const [stream, source] of this.sources) {
      if (wanted.has(stream)) continue;
      source.disconnect();
      this.sources.delete(stream);
    }
  }

  paint(context) {
    const videos = this.recordedTiles();
    context.fillStyle = "#1b1521";
    context.fillRect(0, 0, WIDTH, HEIGHT);
    const columns = Math.ceil(Math.sqrt(videos.length || 1));
    const rows = Math.ceil((videos.length || 1) / columns);
    const cellWidth = WIDTH / columns;
    const cellHeight = HEIGHT / rows;
    videos.forEach((tile, index) => {
      const x = (index % columns) * cellWidth;
      const y = Math.floor(index / columns) * cellHeight;
      const video = tile.querySelector("video");
      if (video && video.readyState >= 2 && !tile.classList.contains("camera-off")) {
        context.drawImage(video, x + 4, y + 4, cellWidth - 8, cellHeight - 8);
      }
      context.fillStyle = "rgba(20, 14, 26, 0.75)";
      context.fillRect(x + 12, y + cellHeight - 44, Math.min(cellWidth - 24, 260), 30);
      context.fillStyle = "#ffffff";
      context.font = "18px system-ui, sans-serif";
      context.fillText(tile.querySelector(".tile-name").textContent, x + 20, y + cellHeight - 23, cellWidth - 40);
    });
    this.syncAudio();
  }

  // Stop, and hand the file to the browser's downloads (none without a room name). Returns the file name.
  stop(room) {
    return new Promise((resolve) => {
      if (!this.recorder) return resolve(null);
      this.recorder.onstop = () => {
        clearInterval(this.timer);
        this.audio.close();
        this.sources.clear();
        this.recorder = null;
        if (!room) return resolve(null);
        const blob = new Blob(this.chunks, { type: "video/webm" });
        const name = `parlor-${room}-${new Date().toISOString().slice(0, 16).replace(":", "")}.webm`;
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = name;
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 60000);
        resolve(name);
      };
      this.recorder.stop();
    });
  }
}
