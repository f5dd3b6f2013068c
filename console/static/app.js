// roster's console: a little progressive enhancement. Every page works
// without this script.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Forms that destroy something ask first.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }

  // Copy buttons, shown only where the clipboard can be written.
  if (navigator.clipboard) {
    for (const button of document.querySelectorAll("button[data-copy]")) {
      button.hidden = false;
      button.addEventListener("click", async () => {
        const text = document.getElementById(button.dataset.copy).textContent;
        try {
          await navigator.clipboard.writeText(text);
          button.textContent = "Copied";
        } catch {
          button.textContent = "Select and copy it";
        }
      });
    }
  }

  // A text with a mistake: take the cursor to the line it is on.
  const bad = document.querySelector("textarea[data-error-line]");
  if (bad) {
    const line = Number(bad.dataset.errorLine);
    const lines = bad.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    const end = start + (lines[line - 1] || "").length;
    bad.focus();
    bad.setSelectionRange(start, end);
    const height = bad.scrollHeight / Math.max(lines.length, 1);
    bad.scrollTop = Math.max(0, (line - 3) * height);
  }
});
