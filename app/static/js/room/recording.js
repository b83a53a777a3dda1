// Recording for Pro hosts, entirely in the host's browser: the tiles are painted onto a
// canvas, every voice is mixed with Web Audio, and MediaRecorder writes a WebM file that is
// downloaded at the end. Nothing is uploaded anywhere.

const WIDTH = 1280;
const HEIGHT = 720;

export class MeetingRecorder {
  constructor(tilesElement) {
    this.tiles = tilesElement;
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

  // Voices of people who joined after the recording started are added as they appear.
  syncAudio() {
    if (!this.audio) return;
    for (const video of this.tiles.querySelectorAll("video")) {
      const stream = video.srcObject;
      if (!stream || this.sources.has(stream) || !stream.getAudioTracks().length) continue;
      const source = this.audio.createMediaStreamSource(new MediaStream(stream.getAudioTracks()));
      source.connect(this.mix);
      this.sources.set(stream, source);
    }
  }

  paint(context) {
    const videos = [...this.tiles.querySelectorAll(".tile")];
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

  // Stop, and hand the file to the browser's downloads. Returns the file name.
  stop(room) {
    return new Promise((resolve) => {
      if (!this.recorder) return resolve(null);
      this.recorder.onstop = () => {
        clearInterval(this.timer);
        this.audio.close();
        this.sources.clear();
        const blob = new Blob(this.chunks, { type: "video/webm" });
        const name = `parlor-${room}-${new Date().toISOString().slice(0, 16).replace(":", "")}.webm`;
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = name;
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 60000);
        this.recorder = null;
        resolve(name);
      };
      this.recorder.stop();
    });
  }
}
