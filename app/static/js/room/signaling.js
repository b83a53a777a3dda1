// A thin promise-based wrapper around the Socket.IO connection to the app.
import { io } from "../../vendor/socket.io.esm.min.js";

export class Signaling extends EventTarget {
  constructor(ticket) {
    super();
    this.socket = io({ auth: { ticket }, transports: ["websocket", "polling"], reconnectionDelayMax: 4000 });
    this.socket.on("connect", () => this.dispatchEvent(new Event("connected")));
    this.socket.on("disconnect", (reason) => this.dispatchEvent(new CustomEvent("disconnected", { detail: reason })));
    this.socket.on("connect_error", (error) => this.dispatchEvent(new CustomEvent("refused", { detail: error.message })));
  }

  on(event, handler) {
    this.socket.on(event, handler);
  }

  // Emit and wait for the server's answer; a server error becomes a rejected promise.
  request(event, payload = {}, timeout = 10000) {
    return new Promise((resolve, reject) => {
      this.socket.timeout(timeout).emit(event, payload, (error, answer) => {
        if (error) reject(new Error("The server did not answer in time."));
        else if (answer && answer.error) reject(Object.assign(new Error(answer.error), { answer }));
        else resolve(answer);
      });
    });
  }

  send(event, payload = {}) {
    this.socket.emit(event, payload);
  }

  waitForConnection() {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const ok = () => { cleanup(); resolve(); };
      const fail = (error) => { cleanup(); reject(new Error(error.message || "Could not connect.")); };
      const cleanup = () => { this.socket.off("connect", ok); this.socket.off("connect_error", fail); };
      this.socket.on("connect", ok);
      this.socket.on("connect_error", fail);
    });
  }

  close() {
    this.socket.disconnect();
  }
}
