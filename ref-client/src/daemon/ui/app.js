// The BitWrk client's page: polls the local API's JSON routes and renders
// them. Plain script, no framework, no build step.
//
// Rows are kept by key and only cells whose text changed are written, so
// the once-a-second update neither flickers nor swallows a click on a
// button; the permit form is never re-rendered, so typing in it is never
// disturbed.
"use strict";
(function () {
  // ---- Pure functions (no DOM), exposed as window.BitWrkUI for tests ----

  // `n` bytes for people: "999 B", "1.5 KiB", "292.97 KiB", "3.00 MiB".
  function formatBytes(n) {
    if (!(n >= 0)) return "?";
    if (n < 1024) return n + " B";
    const units = ["KiB", "MiB", "GiB", "TiB"];
    let v = n / 1024;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return v.toFixed(2) + " " + units[u];
  }

  // Phases in which the work has arrived at the seller.
  const PAST_TRANSFER = ["WORKING", "UNVERIFIED", "FINISHED"];

  // What the Transfer cell shows for an activity's Info (0.7's
  // BytesTotal: the work's size; BytesToTransfer: what must really be
  // sent, less when the seller has chunks of it already (chunked
  // transfer); BytesTransferred: sent so far). The bar runs over
  // BytesToTransfer, the caption names both numbers when they differ.
  //   state: "none"    nothing known (no transfer yet, or none recorded)
  //          "pending" the size is known, what to send is not yet
  //          "running" under way
  //          "stopped" the activity ended before the transfer completed
  //          "done"    all that had to be sent was sent
  //   value, max: the bar's (null: no bar); text: the caption.
  function transferView(info) {
    const sell = info.Type === "SELL";
    const verb = sell ? "received" : "sent";
    const there = sell ? "here already" : "at the seller already";
    const total = Math.max(0, Number(info.BytesTotal) || 0);
    const toSend = Math.max(0, Number(info.BytesToTransfer) || 0);
    const sent = Math.max(0, Number(info.BytesTransferred) || 0);
    const ended = !info.Alive;
    const failed = ended && !!info.Info;
    if (total === 0 && toSend === 0) {
      return { state: "none", value: null, max: null, text: ended ? "—" : "not yet" };
    }
    if (toSend === 0) {
      if (PAST_TRANSFER.indexOf(info.Phase) >= 0 || (ended && !failed)) {
        return { state: "done", value: 1, max: 1,
          text: "nothing to transfer: all " + formatBytes(total) + " " + there };
      }
      return { state: ended ? "stopped" : "pending", value: null, max: null,
        text: formatBytes(total) + " in all; " + (ended ? "nothing " + verb : "what to transfer is not known yet") };
    }
    const value = Math.min(sent, toSend);
    let text = formatBytes(value) + " of " + formatBytes(toSend) + " " + verb;
    if (toSend < total) {
      text += " (" + formatBytes(total - toSend) + " of " + formatBytes(total) + " " + there + ")";
    }
    const state = value >= toSend ? "done" : ended ? "stopped" : "running";
    return { state: state, value: value, max: toSend, text: text };
  }

  // A worker's state in words: busy (working on a job), blocked (an
  // offered sell or a recent failure holds it: 0.7's Blockers), idle
  // (free for a new sell), unregistered.
  function workerState(w) {
    if (w.Unregistered) return "unregistered";
    if (!w.Idle) return "busy";
    if (w.Blockers > 0) return "blocked (" + w.Blockers + ")";
    return "idle";
  }

  // The row class of an activity: alive, failed, finished.
  function activityClass(i) {
    return i.Alive ? "alive" : (i.Info ? "failed" : "finished");
  }

  window.BitWrkUI = Object.freeze({
    formatBytes: formatBytes,
    transferView: transferView,
    workerState: workerState,
    activityClass: activityClass,
  });

  // ---- The page ----

  const token = document.querySelector('meta[name="bitwrk-csrf"]').content;
  const problems = new Map();
  /** Poll period of the lists and the balance. */
  const PERIOD_MS = 1000;
  /** Poll period of the message of the day. */
  const MOTD_PERIOD_MS = 3600 * 1000;

  function $(id) { return document.getElementById(id); }

  function setText(el, text) {
    const t = text === null || text === undefined ? "" : String(text);
    if (el.textContent !== t) el.textContent = t;
  }

  function setClass(el, cls) {
    if (el.className !== cls) el.className = cls;
  }

  function showProblems() {
    setText($("status"), Array.from(problems.values()).join("; "));
  }

  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!r.ok) throw new Error(url + ": " + r.status + " " + (await r.text()));
    return r.json();
  }

  // A state-changing request of this page: form-encoded, with the token.
  async function post(url, body) {
    body.set("csrf", token);
    const r = await fetch(url, { method: "POST", body: body, headers: { "X-BitWrk-CSRF": token } });
    if (!r.ok) throw new Error(r.status + " " + (await r.text()));
  }

  // Keeps `tbody`'s rows in the order of `items`, one per key: a row is
  // made by `make(item)` (cells with the given classes) the first time and
  // then only updated by `fill(tr, item)`.
  function syncRows(tbody, items, keyOf, classes, make, fill) {
    const old = new Map();
    for (const tr of Array.from(tbody.rows)) old.set(tr.dataset.key, tr);
    let at = 0;
    for (const item of items) {
      const key = String(keyOf(item));
      let tr = old.get(key);
      if (tr) {
        old.delete(key);
      } else {
        tr = document.createElement("tr");
        tr.dataset.key = key;
        for (const c of classes) {
          const td = document.createElement("td");
          td.className = c;
          tr.append(td);
        }
        if (make) make(tr, item);
      }
      fill(tr, item);
      if (tbody.rows[at] !== tr) tbody.insertBefore(tr, tbody.rows[at] || null);
      at++;
    }
    for (const tr of old.values()) tr.remove();
  }

  function cellOf(tr, cls) { return tr.querySelector("td." + cls); }

  function renderAccount(a) {
    setText($("available"), a.Account.Available);
    setText($("blocked"), a.Account.Blocked);
    setText($("updated"), a.Updated);
    setText($("trusted-account"), a.TrustedAccount);
    const badge = $("deposit-valid");
    if (a.DepositAddress) {
      setText($("deposit-address"), a.DepositAddress);
      setText(badge, a.DepositAddressValid ? "verified" : "NOT verified: do not pay to it");
      setClass(badge, "badge " + (a.DepositAddressValid ? "valid" : "invalid"));
    } else {
      setText($("deposit-address"), "none yet");
      setText(badge, "");
      setClass(badge, "badge");
    }
    setText($("deposit-pending"), a.Account.DepositAddressRequest
      ? "A deposit address has been requested; the payment processor has not answered yet." : "");
  }

  function fillTransfer(td, i) {
    const v = transferView(i);
    setClass(td, "transfer " + v.state);
    td.dataset.state = v.state;
    let bar = td.querySelector("progress");
    let caption = td.querySelector("span");
    if (!caption) {
      caption = document.createElement("span");
      caption.className = "caption";
      td.append(caption);
    }
    if (v.max === null) {
      if (bar) bar.remove();
    } else {
      if (!bar) {
        bar = document.createElement("progress");
        td.insertBefore(bar, caption);
      }
      if (bar.max !== v.max) bar.max = v.max;
      if (bar.value !== v.value) bar.value = v.value;
    }
    setText(caption, v.text);
    td.title = v.max === null ? "" : i.BytesTransferred + " of " + i.BytesToTransfer
      + " bytes to transfer, " + i.BytesTotal + " bytes in all";
  }

  function renderActivities(list) {
    const sorted = list.slice().sort(function (x, y) { return y.Key - x.Key; });
    syncRows($("activities").tBodies[0], sorted, function (a) { return a.Key; },
      ["key", "type", "article", "phase", "amount", "transfer", "info"], null,
      function (tr, a) {
        const i = a.Info;
        setClass(tr, activityClass(i));
        setText(cellOf(tr, "key"), a.Key);
        setText(cellOf(tr, "type"), i.Type);
        setText(cellOf(tr, "article"), i.Article);
        setText(cellOf(tr, "phase"), i.Phase || (i.Alive ? "…" : ""));
        setText(cellOf(tr, "amount"), i.Amount);
        fillTransfer(cellOf(tr, "transfer"), i);
        setText(cellOf(tr, "info"), i.Info);
      });
  }

  function revoke(key) {
    post("/revokemandate", new URLSearchParams({ key: key })).then(function () {
      problems.delete("revoke");
      return refresh();
    }, function (e) { problems.set("revoke", "revoking: " + e.message); showProblems(); });
  }

  function renderMandates(list) {
    const sorted = list.slice().sort(function (x, y) { return x.Key - y.Key; });
    syncRows($("mandates").tBodies[0], sorted, function (m) { return m.Key; },
      ["key", "type", "article", "price", "tradesleft", "until", "actions"],
      function (tr, m) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "revoke";
        b.textContent = "Revoke";
        b.addEventListener("click", function () { b.disabled = true; revoke(m.Key); });
        cellOf(tr, "actions").append(b);
      },
      function (tr, m) {
        const i = m.Info;
        setText(cellOf(tr, "key"), m.Key);
        setText(cellOf(tr, "type"), i.Type === 0 ? "BUY" : "SELL");
        setText(cellOf(tr, "article"), i.Article);
        setText(cellOf(tr, "price"), i.Price);
        setText(cellOf(tr, "tradesleft"), i.UseTradesLeft ? i.TradesLeft : "unlimited");
        setText(cellOf(tr, "until"), i.UseUntil ? i.Until : "forever");
      });
  }

  function renderWorkers(list) {
    syncRows($("workers").tBodies[0], list, function (w) { return w.Info.Id; },
      ["id", "article", "state", "error"], null,
      function (tr, w) {
        tr.dataset.id = w.Info.Id;
        const state = workerState(w);
        setClass(tr, state.split(" ")[0]);
        setText(cellOf(tr, "id"), w.Info.Id);
        setText(cellOf(tr, "article"), w.Info.Article);
        setText(cellOf(tr, "state"), state);
        cellOf(tr, "state").title = w.Blockers > 0 && w.Idle
          ? "an offered sell waiting for a buyer, or a failed sell holding the worker back for 20 s" : "";
        setText(cellOf(tr, "error"), w.LastError || "");
      });
  }

  function renderMotd(m) {
    setText($("motd"), m.Text || "");
    setClass($("motd"), m.Warning ? "motd warning" : "motd");
  }

  const sources = [
    ["/myaccount", renderAccount],
    ["/activities", renderActivities],
    ["/mandates", renderMandates],
    ["/workers", renderWorkers],
  ];

  // One round of polls; a round starts only when the last one is over, so
  // a slow client never piles requests up.
  let running = null;
  function refresh() {
    if (running) return running;
    running = Promise.all(sources.map(function (s) {
      return getJSON(s[0]).then(function (v) { s[1](v); problems.delete(s[0]); },
        function (e) { problems.set(s[0], e.message); });
    })).then(function () { showProblems(); running = null; });
    return running;
  }

  function loop() {
    refresh().then(function () { setTimeout(loop, PERIOD_MS); });
  }

  $("request-deposit").addEventListener("submit", function (ev) {
    ev.preventDefault();
    post("/requestdepositaddress", new URLSearchParams()).then(function () {
      problems.delete("deposit");
      return refresh();
    }, function (e) { problems.set("deposit", "requesting a deposit address: " + e.message); showProblems(); });
  });

  // The permit form is sent by the script so that a refusal shows next to
  // the form and the fields keep what the user typed. (Without the script
  // the form posts itself and the client answers 303 back to the page.)
  $("permit").addEventListener("submit", function (ev) {
    ev.preventDefault();
    const form = ev.target;
    const result = $("permit-result");
    const button = $("permit-submit");
    button.disabled = true;
    setText(result, "");
    post(form.getAttribute("action"), new URLSearchParams(new FormData(form))).then(function () {
      setClass(result, "result ok");
      setText(result, "Granted.");
      return refresh();
    }, function (e) {
      setClass(result, "result error");
      setText(result, "Refused: " + e.message);
    }).then(function () { button.disabled = false; });
  });

  // A result of the last submission goes once the user edits the form.
  $("permit").addEventListener("input", function () { setText($("permit-result"), ""); });

  function motd() {
    getJSON("/motd").then(renderMotd, function () {});
  }
  motd();
  setInterval(motd, MOTD_PERIOD_MS);
  loop();
})();
