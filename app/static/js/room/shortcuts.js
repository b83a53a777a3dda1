// Keyboard shortcuts in the meeting, and the help dialog (?) that lists them. They never fire
// while someone types (chat, names) or holds a modifier key, so they cannot steal a letter.

const $ = (id) => document.getElementById(id);

export const SHORTCUTS = [
  { key: "m", label: "M", action: "toggleMic", help: "Mute or unmute your microphone" },
  { key: "v", label: "V", action: "toggleCamera", help: "Stop or start your camera" },
  { key: "h", label: "H", action: "toggleHand", help: "Raise or lower your hand" },
  { key: "?", label: "?", action: "showHelp", help: "Show these shortcuts" },
];

function typing(target) {
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
}

// ``current()`` is the meeting on the page now (or null).
export function bindShortcuts(current) {
  const dialog = $("shortcuts-dialog");
  if (dialog) {
    const list = $("shortcuts-list");
    for (const shortcut of SHORTCUTS) {
      const term = document.createElement("dt");
      const key = document.createElement("kbd");
      key.textContent = shortcut.label;
      term.append(key);
      const description = document.createElement("dd");
      description.textContent = shortcut.help;
      list.append(term, description);
    }
    $("shortcuts-close").addEventListener("click", () => dialog.close());
  }
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (document.querySelector("dialog[open]")) return; // a dialog (help, breakout groups) has the keys
    const meeting = current();
    if (!meeting || !meeting.live) return;
    const shortcut = SHORTCUTS.find((s) => s.key === event.key.toLowerCase());
    if (!shortcut) return;
    event.preventDefault();
    if (shortcut.action === "showHelp") {
      if (dialog) dialog.showModal();
    } else {
      meeting[shortcut.action]();
    }
  });
}
