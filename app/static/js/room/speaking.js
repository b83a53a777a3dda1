// Who is speaking: each person's audio level, read with a WebAudio analyser (the same way for
// peer-to-peer and node meetings), tells the view when someone starts or stops talking.

const TICK_MS = 150;
const THRESHOLD = 0.02; // RMS of the waveform (0..1): above it counts as speech
const HOLD_MS = 600; // stay "speaking" over the short gaps between words

export class SpeakingMonitor {
  constructor(onChange) {
    this.onChange = onChange;
    this.context = null;
    this.watched = new Map(); // id -> { analyser, source, streamId, speaking, lastLoud }
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  watch(id, stream) {
    const track = stream && stream.getAudioTracks()[0];
    const current = this.watched.get(id);
    if (!track || !window.AudioContext || (current && current.trackId === track.id)) return;
    this.unwatch(id);
    this.context = this.context || new AudioContext();
    if (this.context.state === "suspended") this.context.resume().catch(() => {});
    const analyser = this.context.createAnalyser();
    analyser.fftSize = 512;
    const source = this.context.createMediaStreamSource(new MediaStream([track]));
    source.connect(analyser);
    this.watched.set(id, { analyser, source, trackId: track.id, speaking: false, lastLoud: 0, data: new Float32Array(analyser.fftSize) });
  }

  unwatch(id) {
    const entry = this.watched.get(id);
    if (!entry) return;
    entry.source.disconnect();
    this.watched.delete(id);
    if (entry.speaking) this.onChange(id, false);
  }

  tick() {
    const now = Date.now();
    for (const [id, entry] of this.watched) {
      entry.analyser.getFloatTimeDomainData(entry.data);
      let sum = 0;
      for (const sample of entry.data) sum += sample * sample;
      const level = Math.sqrt(sum / entry.data.length);
      if (level > THRESHOLD) entry.lastLoud = now;
      const speaking = now - entry.lastLoud < HOLD_MS;
      if (speaking !== entry.speaking) {
        entry.speaking = speaking;
        this.onChange(id, speaking);
      }
    }
  }

  close() {
    clearInterval(this.timer);
    for (const id of [...this.watched.keys()]) this.unwatch(id);
    if (this.context) this.context.close().catch(() => {});
  }
}
