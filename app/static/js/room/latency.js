// The lobby's latency probe: while the person types their name, a few small WebSocket pings
// to each candidate node the server listed (nearby regions' live nodes), so the server can put
// a new meeting on the node nearest this browser. Medians, in milliseconds, by node id; a node
// that does not answer in time is left out, and the server falls back to geo-IP without any.
const SAMPLES = 5;
const PROBE_TIMEOUT_MS = 5000;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function probe(url) {
  return new Promise((resolve) => {
    const samples = [];
    let sentAt = 0;
    let socket;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (socket) socket.close();
      resolve(samples.length ? median(samples) : null);
    };
    const timer = setTimeout(finish, PROBE_TIMEOUT_MS);
    const send = () => {
      sentAt = performance.now();
      socket.send(String(samples.length));
    };
    try {
      socket = new WebSocket(url);
    } catch (error) {
      finish(); // a URL the page's CSP or the browser refuses: no measurement
      return;
    }
    socket.addEventListener("open", send);
    socket.addEventListener("message", () => {
      if (done) return;
      samples.push(performance.now() - sentAt);
      if (samples.length >= SAMPLES) finish();
      else send();
    });
    socket.addEventListener("error", finish);
    socket.addEventListener("close", finish);
  });
}

export class LatencyProbe {
  constructor(candidates) {
    this.candidates = Array.isArray(candidates) ? candidates : [];
    this.medians = {};
  }

  // Probes run side by side, in the background; each result lands as soon as it is known.
  start() {
    for (const { id, url } of this.candidates) {
      probe(url).then((ms) => {
        if (ms !== null) this.medians[id] = Math.round(ms * 10) / 10;
      });
    }
    return this;
  }

  // What is known now; a quick join sends what has finished (maybe nothing).
  results() {
    return { ...this.medians };
  }
}
