// The frame worker: seals every outgoing encoded frame and opens every incoming one.
//
// Frame format (the one lib-jitsi-meet uses, so the node sees what it would see there):
//
//   [clear header][AES-GCM ciphertext + 16-byte tag][IV, 12 bytes][IV length = 12][key index]
//
// The clear header is what the node needs and nothing more: the VP8 payload header, 10 bytes
// of a keyframe (frame tag, start code, size) and 3 of a delta frame (frame tag), so it can
// still start a new viewer on a keyframe. Audio (Opus) keeps no clear byte. The header is the
// GCM additional data, so it cannot be altered either.
//
// The IV is 4 random bytes naming this page's sender plus a 64-bit counter shared by every
// transform in this worker: one media key seals frames of several tracks and connections (each
// peer-to-peer connection and the node's), and an IV must never repeat under one key.
import { frameKey, ratchet } from "./derive.js";

const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const TRAILER_LENGTH = IV_LENGTH + 2;
const KEYFRAME_CLEAR = 10;
const DELTA_CLEAR = 3;
const KEYS_KEPT = 8; // per sender: frames sealed with the last few keys still open for a moment
const RATCHET_LIMIT = 8; // how far a receiver follows a sender's ratchet on its own

const senderSalt = crypto.getRandomValues(new Uint8Array(4));
let frameCounter = 0;
let sending = null; // { index, key }
let encrypting = true; // false while the meeting admits a browser that cannot decrypt
const keys = new Map(); // participant -> Map(index -> { raw, key })
const owners = new Map(); // receiver id -> participant
const reported = new Map(); // transform id -> last state posted

function report(id, state, extra = {}) {
  if (reported.get(id) === state) return;
  reported.set(id, state);
  self.postMessage(Object.assign({ type: "state", id, state }, extra));
}

function nextIv() {
  const iv = new Uint8Array(IV_LENGTH);
  iv.set(senderSalt);
  const view = new DataView(iv.buffer);
  view.setUint32(4, Math.floor(frameCounter / 0x100000000));
  view.setUint32(8, frameCounter >>> 0);
  frameCounter += 1;
  return iv;
}

// Bytes left clear: the VP8 payload header of a video frame, none of an audio frame. Frames of
// another video codec are not sealed (their packetizer reads the payload): reported as clear.
function clearLength(frame, kind) {
  if (kind !== "video") return 0;
  return Math.min(frame.data.byteLength, frame.type === "key" ? KEYFRAME_CLEAR : DELTA_CLEAR);
}

function isVp8(frame, kind) {
  if (kind !== "video") return true;
  const mime = frame.getMetadata ? frame.getMetadata().mimeType : undefined;
  return !mime || mime.toLowerCase() === "video/vp8";
}

async function seal(frame, controller, options) {
  if (!encrypting || !isVp8(frame, options.kind)) {
    report(options.id, "clear");
    controller.enqueue(frame);
    return;
  }
  if (!sending) {
    report(options.id, "waiting"); // never send in the clear while a key is on its way
    return;
  }
  const data = new Uint8Array(frame.data);
  const clear = clearLength(frame, options.kind);
  const iv = nextIv();
  const { index, key } = sending;
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: data.subarray(0, clear) }, key, data.subarray(clear)),
  );
  const out = new Uint8Array(clear + sealed.length + TRAILER_LENGTH);
  out.set(data.subarray(0, clear));
  out.set(sealed, clear);
  out.set(iv, clear + sealed.length);
  out[out.length - 2] = IV_LENGTH;
  out[out.length - 1] = index;
  frame.data = out.buffer;
  report(options.id, "encrypted", { index });
  controller.enqueue(frame);
}

// The key a sender used for ``index``: one we were given, or one step or a few further along
// the ratchet from one we were given (a join ratchets everyone's key before the new key
// reaches us). ``tentative`` keys are kept only once a frame opens with them.
async function keyFor(participant, index) {
  const known = keys.get(participant);
  if (!known) return null;
  if (known.has(index)) return { entry: known.get(index), tentative: false };
  for (let steps = 1; steps <= RATCHET_LIMIT; steps += 1) {
    const base = known.get((index - steps + 256) % 256);
    if (!base) continue;
    let raw = base.raw;
    for (let i = 0; i < steps; i += 1) raw = await ratchet(raw);
    return { entry: { raw, key: await frameKey(raw) }, tentative: true };
  }
  return null;
}

function remember(participant, index, entry) {
  const known = keys.get(participant) || new Map();
  known.delete(index);
  known.set(index, entry);
  while (known.size > KEYS_KEPT) known.delete(known.keys().next().value);
  keys.set(participant, known);
}

async function open(frame, controller, options) {
  const participant = owners.get(options.id);
  const data = new Uint8Array(frame.data);
  const clear = clearLength(frame, options.kind);
  const sealedLength = data.length - clear - TRAILER_LENGTH;
  const looksSealed = sealedLength >= TAG_LENGTH && data[data.length - 2] === IV_LENGTH;
  const found = looksSealed && participant ? await keyFor(participant, data[data.length - 1]) : null;
  if (found) {
    const index = data[data.length - 1];
    const ivStart = data.length - TRAILER_LENGTH;
    try {
      const plain = new Uint8Array(
        await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: data.subarray(ivStart, ivStart + IV_LENGTH), additionalData: data.subarray(0, clear) },
          found.entry.key,
          data.subarray(clear, ivStart),
        ),
      );
      if (found.tentative) remember(participant, index, found.entry);
      const out = new Uint8Array(clear + plain.length);
      out.set(data.subarray(0, clear));
      out.set(plain, clear);
      frame.data = out.buffer;
      report(options.id, "encrypted", { participant, index });
      controller.enqueue(frame);
      return;
    } catch {
      // Not sealed with that key: a clear frame that happens to end like a trailer, or a key
      // we do not have yet. Only a meeting that admits clear senders lets it through.
    }
  }
  if (!encrypting) {
    report(options.id, "clear", { participant });
    controller.enqueue(frame);
  } else {
    report(options.id, "locked", { participant });
  }
}

function pipe(readable, writable, options) {
  const step = options.operation === "encrypt" ? seal : open;
  const transform = new TransformStream({
    transform: (frame, controller) => step(frame, controller, options).catch(() => {}),
  });
  readable.pipeThrough(transform).pipeTo(writable).catch(() => {});
}

// RTCRtpScriptTransform hands us its streams here.
self.onrtctransform = (event) => {
  const { readable, writable, options } = event.transformer;
  pipe(readable, writable, options);
};

self.onmessage = async ({ data }) => {
  switch (data.type) {
    case "pipe": // createEncodedStreams: the page transfers the streams
      pipe(data.readable, data.writable, data.options);
      break;
    case "owner":
      owners.set(data.id, data.participant);
      break;
    case "send-key":
      sending = { index: data.index, key: await frameKey(data.raw) };
      break;
    case "key":
      remember(data.participant, data.index, { raw: data.raw, key: await frameKey(data.raw) });
      break;
    case "forget":
      keys.delete(data.participant);
      break;
    case "encrypting":
      encrypting = data.on;
      reported.clear();
      break;
  }
};
