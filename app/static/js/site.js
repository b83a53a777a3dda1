// Site-wide behaviour: the phone menu, closing dropdowns, focusing form errors.

const toggle = document.querySelector("[data-nav-toggle]");
const nav = document.getElementById("site-nav");
if (toggle && nav) {
  toggle.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
    toggle.querySelector(".visually-hidden").textContent = open ? "Close the menu" : "Open the menu";
  });
}

const dropdowns = document.querySelectorAll("[data-dropdown]");
document.addEventListener("click", (event) => {
  dropdowns.forEach((dropdown) => {
    if (!dropdown.contains(event.target)) dropdown.removeAttribute("open");
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  dropdowns.forEach((dropdown) => {
    if (dropdown.open) {
      dropdown.removeAttribute("open");
      dropdown.querySelector("summary").focus();
    }
  });
});

// Send keyboard and screen-reader users straight to the summary of what went wrong.
const errors = document.querySelector("[data-autofocus]");
if (errors) errors.focus();

// Copy buttons (the host link on the rooms page): copy the named field, and say so.
document.querySelectorAll("[data-copy]").forEach((button) => {
  button.addEventListener("click", async () => {
    const field = document.getElementById(button.dataset.copy);
    const label = button.textContent;
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = "Copied";
    } catch {
      field.select(); // no clipboard access (plain http): leave it selected for Ctrl+C
      button.textContent = "Press Ctrl+C";
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
});
