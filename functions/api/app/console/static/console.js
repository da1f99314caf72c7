// gluekb console: a little progressive enhancement. Every page works without it.
"use strict";
(function () {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function post(form, extra) {
    return fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: Object.assign({
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRF-Token": csrf(),
        "X-Console-Fragment": "1",
      }, extra || {}),
      body: new URLSearchParams(new FormData(form)).toString(),
    });
  }

  // Ask: each answer is appended to the thread; follow-ups carry the conversation id.
  const ask = document.getElementById("ask-form");
  if (ask) {
    ask.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = ask.querySelector("button[type=submit]");
      const question = ask.querySelector("[name=question]");
      button.disabled = true;
      button.textContent = "Asking…";
      try {
        const response = await post(ask);
        const thread = document.getElementById("thread");
        if (response.ok) {
          thread.insertAdjacentHTML("beforeend", await response.text());
          ask.querySelector("[name=conversation_id]").value =
            response.headers.get("X-Conversation-Id") || ask.querySelector("[name=conversation_id]").value;
          ask.querySelector("label[for=question]").textContent = "Follow-up question";
          question.value = "";
        } else {
          document.open(); document.write(await response.text()); document.close();
          return;
        }
      } finally {
        button.disabled = false;
        button.textContent = "Ask";
        question.focus();
      }
    });
  }

  // Sync now: queue the sync, then follow its status until the run is done.
  function describe(p) {
    const done = p.state === "ok" || p.state === "failed";
    let text = `${p.state}: ${p.fetched} fetched · ${p.changed} changed`;
    if (done && p.finished_at) text += ` · finished ${p.finished_at.replace("T", " ").slice(0, 19)} UTC`;
    if (p.errors.length) text += ` · ${p.errors.length} error(s): ${p.errors[0]}`;
    return text;
  }

  async function follow(form, row, queuedAt) {
    const button = form.querySelector("button");
    const stateCell = row.querySelector("[data-state]");
    const progress = row.querySelector("[data-progress]");
    for (let i = 0; i < 1800; i++) {
      const response = await fetch(form.dataset.statusUrl, { credentials: "same-origin" });
      if (!response.ok) { progress.textContent = "status unavailable"; break; }
      const p = await response.json();
      stateCell.textContent = p.state;
      stateCell.className = `state state-${p.state}`;
      progress.textContent = describe(p);
      const finished = p.finished_at && Date.parse(p.finished_at) >= queuedAt;
      if ((p.state === "ok" || p.state === "failed") && finished) {
        row.dataset.syncDone = p.state;
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    button.disabled = false;
    button.textContent = "Sync now";
  }

  document.querySelectorAll("form[data-sync]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const row = form.closest("tr");
      const button = form.querySelector("button");
      button.disabled = true;
      button.textContent = "Syncing…";
      delete row.dataset.syncDone;
      const response = await post(form);
      if (!response.ok) {
        row.querySelector("[data-progress]").textContent = `refused (${response.status})`;
        button.disabled = false;
        button.textContent = "Sync now";
        return;
      }
      const queued = await response.json();
      row.querySelector("[data-progress]").textContent = "queued";
      follow(form, row, Date.parse(queued.queued_at) - 1000);
    });
  });

  // A revealed password: copy, hide on demand, and hide by itself after a minute.
  const secret = document.querySelector("[data-secret]");
  if (secret) {
    const hide = () => {
      secret.textContent = "Hidden. Reveal again if you need it (audited).";
      document.querySelectorAll("[data-secret-actions]").forEach((e) => e.remove());
    };
    document.querySelectorAll("[data-hide]").forEach((b) => b.addEventListener("click", hide));
    document.querySelectorAll("[data-copy]").forEach((b) => b.addEventListener("click", () => {
      const value = document.getElementById(b.dataset.copy);
      if (value && navigator.clipboard) navigator.clipboard.writeText(value.textContent);
    }));
    setTimeout(hide, 60000);
  }
})();
