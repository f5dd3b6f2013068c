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

  // The drop zone: a file dropped on it is the file input's.
  for (const zone of document.querySelectorAll("[data-drop]")) {
    const input = zone.querySelector("input[type=file]");
    zone.querySelector("[data-drop-hint]").hidden = false;
    zone.addEventListener("dragover", (e) => {
      e.preventDefault();
      zone.classList.add("over");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      if (e.dataTransfer.files.length > 0) input.files = e.dataTransfer.files;
    });
  }

  // An upload shows its progress. The form is sent as it would be without
  // the script; the answer says which page comes next, or what is wrong.
  for (const form of document.querySelectorAll("form[data-upload]")) {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const box = form.querySelector("[data-progress]");
      const bar = box.querySelector("progress");
      const text = box.querySelector("[data-progress-text]");
      const button = form.querySelector("button[type=submit]");
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", (p) => {
        if (!p.lengthComputable) return;
        const pct = Math.floor((p.loaded * 100) / p.total);
        bar.value = pct;
        text.textContent = pct + " % of " + size(p.total);
      });
      xhr.upload.addEventListener("load", () => {
        bar.value = 100;
        text.textContent = "Sent; reading its first rows…";
      });
      const failed = (msg) => {
        button.disabled = false;
        box.hidden = true;
        let alert = document.getElementById("upload-error");
        if (!alert) {
          alert = document.createElement("p");
          alert.id = "upload-error";
          alert.className = "notice error";
          alert.setAttribute("role", "alert");
          form.before(alert);
        }
        alert.textContent = msg;
      };
      xhr.addEventListener("load", () => {
        let answer = {};
        try {
          answer = JSON.parse(xhr.responseText);
        } catch {
          answer = { error: "The server's answer could not be read (status " + xhr.status + ")." };
        }
        if (answer.next) window.location.assign(answer.next);
        else failed(answer.error || "The file could not be sent.");
      });
      xhr.addEventListener("error", () => failed("The connection was lost while the file was sent."));
      button.disabled = true;
      box.hidden = false;
      bar.value = 0;
      text.textContent = "";
      xhr.send(new FormData(form));
    });
  }

  // A running job's progress, live: its events move the bar, and its end
  // shows its result. The page itself says where the job is, so a reload
  // loses nothing.
  const job = document.querySelector("[data-job]");
  if (job && window.EventSource) {
    const bar = job.querySelector("[data-job-bar]");
    const status = job.querySelector("[data-job-status]");
    const events = new EventSource("/jobs/" + encodeURIComponent(job.dataset.job) + "/events");
    const stages = {
      queued: "Waiting for its turn", reading: "Reading the file", checking: "Checking the rows",
      hashing: "Hashing the passwords", writing: "Writing", done: "Done",
    };
    events.addEventListener("progress", (e) => {
      const p = JSON.parse(e.data);
      // The percent is of the file read: it says nothing of the hashing
      // and writing after.
      const reading = p.stage === "reading" || p.stage === "checking";
      let words = (stages[p.stage] || p.stage) + ": " + p.rows.toLocaleString("en") + " rows";
      if (reading && p.percent !== null) {
        bar.value = p.percent;
        words += ", " + p.percent + " %";
        if (p.eta_seconds !== null) words += ", about " + p.eta_seconds + "s left";
      } else {
        bar.removeAttribute("value");
      }
      status.textContent = words + ".";
    });
    events.addEventListener("done", () => {
      events.close();
      window.location.reload();
    });
  }
});

// size words a number of bytes.
function size(n) {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
}
