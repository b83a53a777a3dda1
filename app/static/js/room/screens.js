// Shared screens: each one is a large tile of its own, beside the sharer's camera tile. The
// sharer's own screen tile says so and has the button that stops it.

const $ = (id) => document.getElementById(id);

export class ScreenTiles {
  constructor({ onStop }) {
    this.onStop = onStop;
    this.streams = new Map(); // person id ("self" for us) -> the stream their screen arrives on
  }

  find(id) {
    return document.querySelector(`.tile-screen[data-screen="${CSS.escape(id)}"]`);
  }

  tile(id, name) {
    let tile = this.find(id);
    if (!tile) {
      tile = document.createElement("figure");
      tile.className = "tile tile-screen";
      tile.dataset.screen = id;
      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      video.muted = true;
      const caption = document.createElement("figcaption");
      tile.append(video, caption);
      if (id === "self") {
        const stop = document.createElement("button");
        stop.type = "button";
        stop.className = "button button-small tile-stop";
        stop.textContent = "Stop sharing";
        stop.addEventListener("click", () => this.onStop());
        tile.append(stop);
      }
      $("tiles").prepend(tile); // shared screens come first: they are what people look at
    }
    const label = id === "self" ? "You are sharing your screen" : `${name}'s screen`;
    tile.querySelector("figcaption").textContent = id === "self" ? "You are sharing" : label;
    tile.setAttribute("aria-label", label);
    return tile;
  }

  attach(id, stream) {
    this.streams.set(id, stream);
  }

  // Show or hide someone's screen tile: shown while they say they share and their screen arrived.
  show(id, name, sharing) {
    const stream = this.streams.get(id);
    if (!sharing || !stream) {
      const tile = this.find(id);
      if (tile) tile.remove();
      return;
    }
    const video = this.tile(id, name).querySelector("video");
    if (video.srcObject !== stream) video.srcObject = stream;
  }

  // Mark the screens the node paused for our slow link; true when one more is paused.
  setPaused(ids) {
    let more = false;
    for (const tile of document.querySelectorAll(".tile-screen")) {
      const paused = ids.has(tile.dataset.screen);
      more ||= paused && !tile.classList.contains("video-paused");
      tile.classList.toggle("video-paused", paused);
    }
    return more;
  }

  remove(id) {
    this.streams.delete(id);
    const tile = this.find(id);
    if (tile) tile.remove();
  }
}
