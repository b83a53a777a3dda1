// Key derivations shared by the page and the frame worker (both import this module).
//
// A sender's media key is 32 random bytes. Frames are sealed with an AES-GCM key derived from
// it (HKDF), never with the bytes themselves; a ratchet step is one more HKDF of the bytes, so
// whoever holds a key can follow it forward but never back to the keys before it.
const text = new TextEncoder();

async function hkdfBase(raw) {
  return crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey", "deriveBits"]);
}

export async function frameKey(raw) {
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: text.encode("parlor e2ee v1"), info: text.encode("frame key") },
    await hkdfBase(raw),
    { name: "AES-GCM", length: 128 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function ratchet(raw) {
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: text.encode("parlor e2ee v1"), info: text.encode("ratchet") },
    await hkdfBase(raw),
    256,
  );
  return new Uint8Array(bits);
}

// The key that wraps media keys between two people: HKDF of their ECDH secret, bound to both
// public keys (in a fixed order, so both sides derive the same key).
export async function wrappingKey(sharedBits, firstPublic, secondPublic) {
  const info = new Uint8Array(firstPublic.length + secondPublic.length + 4);
  info.set(text.encode("wrap"));
  info.set(firstPublic, 4);
  info.set(secondPublic, 4 + firstPublic.length);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: text.encode("parlor e2ee v1"), info },
    await hkdfBase(sharedBits),
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

// Byte arrays in a fixed order, whoever computes it.
export function ordered(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    if (a[i] !== b[i]) return a[i] < b[i] ? [a, b] : [b, a];
  }
  return a.length <= b.length ? [a, b] : [b, a];
}
