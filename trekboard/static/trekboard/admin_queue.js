// The comment queues by keyboard, with decisions made in place (comments/admin/decisions.py).
//
// j/k move between rows; a approve, r remove (the row's reason list takes the
// focus: choose one, then Enter), s spam, d dismiss flags, t restore; o opens
// the row's context; p moves to the acts on its author (suspend, ban, ban and
// remove all: Tab between them, Enter opens the one that asks why); u undoes
// the last decision. A click on a row's button
// does the same. Each decision is one request; the row says what became of it
// and offers Undo, and the queue counts follow. Without this script the same
// buttons post the page and come back with the outcome.
// Loaded in the admin's <head> (ModelAdmin.Media), so it waits for the page.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  const table = document.getElementById("result_list");
  const form = document.getElementById("changelist-form");
  if (!table || !form) {
    return;
  }
  const status = document.getElementById("queue-status");
  const rows = () => Array.from(table.querySelectorAll("tbody tr"));
  let current = -1;
  let lastUndo = null;

  function say(message) {
    if (status) {
      status.textContent = message;
    }
  }

  function select(index) {
    const all = rows();
    if (!all.length) {
      return;
    }
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("is-current", i === current));
    const row = all[current];
    row.tabIndex = -1;
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function currentRow() {
    const all = rows();
    if (current < 0 && document.activeElement) {
      const row = document.activeElement.closest && document.activeElement.closest("#result_list tbody tr");
      current = row ? all.indexOf(row) : -1;
    }
    return all[current] || null;
  }

  function updateCounts(counts) {
    if (!counts) {
      return;
    }
    document.querySelectorAll(".moderation-queues [data-queue]").forEach((link) => {
      const count = link.querySelector(".count");
      const value = counts[link.dataset.queue];
      if (count && value !== undefined) {
        count.textContent = value;
        link.classList.toggle("waiting", value > 0);
      }
    });
  }

  async function post(url, fields) {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    Object.entries(fields).forEach(([name, value]) => body.append(name, value));
    const response = await fetch(url, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = { ok: false, message: "The server didn't answer as expected (" + response.status + "). Reload the page." };
    }
    return data;
  }

  function decided(row, data) {
    const cell = row.querySelector(".decide-row");
    if (!cell) {
      return;
    }
    if (!cell.dataset.before) {
      cell.dataset.before = cell.innerHTML;
    }
    row.classList.add("is-decided");
    cell.textContent = "";
    const outcome = document.createElement("span");
    outcome.className = "decide-outcome";
    outcome.textContent = data.status || "Done";
    cell.appendChild(outcome);
    if (data.undo) {
      const undo = document.createElement("button");
      undo.type = "button";
      undo.className = "decide decide--undo";
      undo.dataset.undo = data.undo;
      undo.textContent = "Undo";
      cell.appendChild(undo);
      lastUndo = { url: data.undo, row: row };
    }
  }

  async function decide(row, button) {
    const cell = button.closest(".decide-row");
    const fields = { decide: button.value, next: window.location.pathname + window.location.search };
    const reason = cell.querySelector(".decide-reason");
    if (reason) {
      fields[reason.name] = reason.value;
    }
    if (button.value === "remove" && reason && !reason.value) {
      say("Choose a reason for removing it first: its author is told.");
      reason.focus();
      return;
    }
    if (button.value === "remove" && reason && reason.value === "__own__") {
      // The removal page asks for the moderator's own words: post the form there.
      button.dataset.direct = "yes";
      button.click();
      return;
    }
    button.disabled = true;
    const data = await post(button.getAttribute("formaction"), fields);
    button.disabled = false;
    say(data.message);
    updateCounts(data.counts);
    if (data.ok) {
      decided(row, data);
      const index = rows().indexOf(row);
      select(index + 1);
    }
  }

  async function undo(url, row) {
    const data = await post(url, { next: window.location.pathname + window.location.search });
    say(data.message);
    updateCounts(data.counts);
    if (data.ok && row) {
      const cell = row.querySelector(".decide-row");
      if (cell && cell.dataset.before) {
        cell.innerHTML = cell.dataset.before;
        delete cell.dataset.before;
      }
      row.classList.remove("is-decided");
      select(rows().indexOf(row));
    }
    if (data.ok && lastUndo && lastUndo.url === url) {
      lastUndo = null;
    }
  }

  table.addEventListener("click", (event) => {
    const button = event.target.closest("button.decide");
    if (!button || button.dataset.direct) {
      return;
    }
    event.preventDefault();
    const row = button.closest("tr");
    if (button.dataset.undo) {
      undo(button.dataset.undo, row);
    } else {
      decide(row, button);
    }
  });

  table.addEventListener("keydown", (event) => {
    // Enter on a row's reason list removes with that reason.
    if (event.key === "Enter" && event.target.classList.contains("decide-reason")) {
      event.preventDefault();
      const row = event.target.closest("tr");
      const remove = row.querySelector("button.decide--remove");
      if (remove) {
        decide(row, remove);
      }
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    const tag = event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.target.isContentEditable) {
      return;
    }
    const key = event.key;
    if (key === "j" || key === "k") {
      event.preventDefault();
      const row = currentRow();
      const index = row ? rows().indexOf(row) : -1;
      select(key === "j" ? index + 1 : Math.max(index - 1, 0));
      return;
    }
    if (key === "u" && lastUndo) {
      event.preventDefault();
      undo(lastUndo.url, lastUndo.row);
      return;
    }
    const row = currentRow();
    if (!row) {
      return;
    }
    if (key === "o") {
      const details = row.querySelector("details.decision-context");
      if (details) {
        event.preventDefault();
        details.open = !details.open;
      }
      return;
    }
    if (key === "p") {
      const act = row.querySelector(".person-acts a");
      if (act) {
        event.preventDefault();
        act.focus();
        say("Suspend, ban, or ban and remove all their comments: Tab to choose, Enter to open. Each asks why first.");
      }
      return;
    }
    if (key === "r") {
      const reason = row.querySelector(".decide-reason");
      if (reason) {
        event.preventDefault();
        reason.focus();
        say("Choose the reason with the arrow keys, then press Enter to remove.");
      }
      return;
    }
    const button = row.querySelector('button.decide[data-key="' + key + '"]');
    if (button) {
      event.preventDefault();
      decide(row, button);
    }
  });
});
