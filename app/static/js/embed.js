// <parlor-embed room="https://parlor.example/room-name" display-name="Ada" audio="off">:
// a Parlor room in your page. Load this script from the Parlor server that hosts the room.
// The element builds the iframe with camera, microphone and screen-sharing allowed for that
// server only, re-dispatches the room's messages as DOM events ("ready", "joined", "left",
// "participant_update", "leave") and sends commands (toggleCamera(), toggleMicrophone(),
// leave()). Messages are accepted only from the room's frame and origin, and sent only there.
(() => {
  const SOURCE = "parlor";
  const EVENTS = ["ready", "joined", "left", "participant_update", "leave"];
  // element attribute -> room URL parameter
  const PARAMETERS = {
    "display-name": "displayName",
    audio: "audio",
    video: "video",
    minimal: "minimal",
    chat: "chat",
    screenshare: "screenshare",
    "leave-button": "leaveButton",
    people: "people",
    lang: "lang",
    "skip-media-permission-prompt": "skipMediaPermissionPrompt",
  };

  class ParlorEmbed extends HTMLElement {
    static get observedAttributes() {
      return ["room", ...Object.keys(PARAMETERS)];
    }

    constructor() {
      super();
      this.iframe = null;
      this.origin = null;
      this.onMessage = this.onMessage.bind(this);
    }

    connectedCallback() {
      window.addEventListener("message", this.onMessage);
      this.render();
    }

    disconnectedCallback() {
      window.removeEventListener("message", this.onMessage);
    }

    attributeChangedCallback() {
      if (this.isConnected) this.render();
    }

    roomUrl() {
      const url = new URL(this.getAttribute("room") || "", document.baseURI);
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("parlor-embed: room must be an http(s) URL");
      for (const [attribute, parameter] of Object.entries(PARAMETERS)) {
        if (this.hasAttribute(attribute)) url.searchParams.set(parameter, this.getAttribute(attribute));
      }
      return url;
    }

    render() {
      if (!this.getAttribute("room")) return;
      const url = this.roomUrl();
      this.origin = url.origin;
      if (!this.iframe) {
        this.iframe = document.createElement("iframe");
        this.iframe.title = this.getAttribute("title") || "Video meeting";
        this.iframe.style.width = "100%";
        this.iframe.style.height = "100%";
        this.iframe.style.border = "0";
        this.appendChild(this.iframe);
      }
      const allow = ["camera", "microphone", "display-capture", "fullscreen", "autoplay"];
      this.iframe.allow = allow.map((feature) => `${feature} ${this.origin}`).join("; ");
      if (this.iframe.src !== url.href) this.iframe.src = url.href;
    }

    onMessage(event) {
      if (!this.iframe || event.source !== this.iframe.contentWindow || event.origin !== this.origin) return;
      const data = event.data || {};
      if (data.source !== SOURCE || !EVENTS.includes(data.type)) return;
      const { source, type, ...detail } = data;
      this.dispatchEvent(new CustomEvent(type, { detail }));
    }

    send(command) {
      if (this.iframe && this.iframe.contentWindow) {
        this.iframe.contentWindow.postMessage({ source: SOURCE, command }, this.origin);
      }
    }

    toggleCamera() {
      this.send("toggle_camera");
    }

    toggleMicrophone() {
      this.send("toggle_microphone");
    }

    leave() {
      this.send("leave");
    }
  }

  if (!customElements.get("parlor-embed")) customElements.define("parlor-embed", ParlorEmbed);
})();
