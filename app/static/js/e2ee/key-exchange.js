// Media keys, browser to browser: the app relays only public keys and ciphertext.
//
// Each page makes an ECDH P-256 key pair for the meeting (the private key cannot be exported)
// and announces the public key when it joins. Between two people, HKDF of their ECDH secret
// gives a wrapping key; each sender's media key goes to each other person sealed with it
// (AES-GCM, the sender, recipient and key index as additional data).
//
// Keys move on with the meeting's membership: when someone joins, every sender takes one
// ratchet step (the newcomer gets only the new key, so cannot open what came before); when
// someone leaves, every sender makes a fresh random key and, once the others have had a moment
// to receive it, seals with it (so the one who left cannot open what follows).
import { ordered, ratchet, wrappingKey } from "./derive.js";

const ROTATE_AFTER_MS = 1000; // the others get the new key before the first frame needs it
const text = new TextEncoder();

function toBase64(bytes) {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64(value) {
  const binary = atob(value.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

// The short code two people compare aloud: from both public keys, in a fixed order, so it is
// the same on both sides, and differs if anyone in the middle swapped either key.
export async function verificationCode(ownPublic, theirPublic) {
  const [first, second] = ordered(ownPublic, theirPublic);
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first);
  joined.set(second, first.length);
  const digest = new DataView(await crypto.subtle.digest("SHA-256", joined));
  const groups = [];
  for (let i = 0; i < 5; i += 1) groups.push(String(digest.getUint32(i * 4) % 100000).padStart(5, "0"));
  return groups.join(" ");
}

export class KeyExchange extends EventTarget {
  constructor({ signaling, frameCrypto }) {
    super();
    this.signaling = signaling;
    this.frameCrypto = frameCrypto;
    this.selfId = null;
    this.pair = null;
    this.publicKey = null; // raw bytes
    this.sending = null; // { index, raw }
    this.peers = new Map(); // id -> { publicKey, wrap: Promise<CryptoKey> }
    this.pending = new Map(); // id -> wrapped keys that came before their public key
    this.chain = Promise.resolve(); // key changes, one after the other
  }

  async start() {
    this.pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
    this.publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", this.pair.publicKey));
    this.sending = { index: 0, raw: crypto.getRandomValues(new Uint8Array(32)) };
    this.frameCrypto.setSendKey(this.sending.index, this.sending.raw);
  }

  get announcedKey() {
    return toBase64(this.publicKey);
  }

  // Someone's public key, from the join answer or an announcement. A new key (a reload, a
  // rejoin) means a new wrapping key, and they get our current media key sealed with it.
  async learn(person, { send = true } = {}) {
    if (!person.key || person.id === this.selfId) return;
    const known = this.peers.get(person.id);
    if (known && known.encoded === person.key) return;
    let publicKey;
    try {
      publicKey = fromBase64(person.key);
    } catch {
      return;
    }
    const wrap = this.deriveWrap(publicKey);
    this.peers.set(person.id, { encoded: person.key, publicKey, wrap, verified: false });
    this.dispatchEvent(new CustomEvent("peer-key", { detail: { id: person.id } }));
    if (send) await this.sendKeyTo(person.id);
    for (const message of this.pending.get(person.id) || []) await this.receive(message);
    this.pending.delete(person.id);
  }

  async deriveWrap(theirPublic) {
    const imported = await crypto.subtle.importKey("raw", theirPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
    const shared = await crypto.subtle.deriveBits({ name: "ECDH", public: imported }, this.pair.privateKey, 256);
    const [first, second] = ordered(this.publicKey, theirPublic);
    return wrappingKey(shared, first, second);
  }

  additionalData(from, to, index) {
    return text.encode(`parlor media key|${from}|${to}|${index}`);
  }

  async sendKeyTo(id, key = this.sending) {
    const peer = this.peers.get(id);
    if (!peer || !key) return;
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: this.additionalData(this.selfId, id, key.index) },
      await peer.wrap,
      key.raw,
    );
    this.signaling.send("media-key", { to: id, index: key.index, iv: toBase64(iv), key: toBase64(new Uint8Array(sealed)) });
  }

  // A sender's media key for us, sealed with our wrapping key.
  async receive(message) {
    const { from, index, iv, key } = message;
    const peer = this.peers.get(from);
    if (!peer) {
      this.pending.set(from, [...(this.pending.get(from) || []), message].slice(-4));
      return;
    }
    try {
      const raw = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: fromBase64(iv), additionalData: this.additionalData(from, this.selfId, index) },
        await peer.wrap,
        fromBase64(key),
      );
      this.frameCrypto.setKey(from, index, new Uint8Array(raw));
    } catch {
      console.warn(`parlor: a media key from ${from} did not open`);
    }
  }

  // Someone came in: one ratchet step, and the new key to everyone (the others could follow
  // the ratchet themselves; sending it spares them the guess).
  joined(person) {
    this.chain = this.chain.then(async () => {
      this.sending = { index: (this.sending.index + 1) % 256, raw: await ratchet(this.sending.raw) };
      this.frameCrypto.setSendKey(this.sending.index, this.sending.raw);
      await this.learn(person, { send: false });
      await Promise.all([...this.peers.keys()].map((id) => this.sendKeyTo(id)));
    }).catch((error) => console.warn("parlor: ratchet", error));
  }

  // We came back after a dropped connection: the others may have seen us leave and dropped our
  // key, so everyone gets our current one again (after any rotation under way).
  resend() {
    this.chain = this.chain
      .then(() => Promise.all([...this.peers.keys()].map((id) => this.sendKeyTo(id))))
      .catch((error) => console.warn("parlor: resend", error));
  }

  // Someone left: a fresh key for the ones still here, used once they have it.
  left(id) {
    this.peers.delete(id);
    this.pending.delete(id);
    this.frameCrypto.forget(id);
    this.chain = this.chain.then(async () => {
      const next = { index: (this.sending.index + 1) % 256, raw: crypto.getRandomValues(new Uint8Array(32)) };
      await Promise.all([...this.peers.keys()].map((peerId) => this.sendKeyTo(peerId, next)));
      await new Promise((resolve) => setTimeout(resolve, ROTATE_AFTER_MS));
      this.sending = next;
      this.frameCrypto.setSendKey(next.index, next.raw);
    }).catch((error) => console.warn("parlor: rotation", error));
  }

  async codeFor(id) {
    const peer = this.peers.get(id);
    return peer ? verificationCode(this.publicKey, peer.publicKey) : null;
  }

  markVerified(id) {
    const peer = this.peers.get(id);
    if (peer) peer.verified = true;
  }

  isVerified(id) {
    return Boolean(this.peers.get(id)?.verified);
  }
}
