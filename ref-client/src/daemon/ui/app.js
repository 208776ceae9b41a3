// The BitWrk client's page: polls the local API's JSON routes once a
// second and renders them. Plain script, no framework, no build step.
"use strict";
(function () {
  const token = document.querySelector('meta[name="bitwrk-csrf"]').content;
  const problems = new Map();

  function $(id) { return document.getElementById(id); }

  function cell(text, cls) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (cls) td.className = cls;
    return td;
  }

  function showProblems() {
    $("status").textContent = Array.from(problems.values()).join("; ");
  }

  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!r.ok) throw new Error(url + ": " + r.status + " " + (await r.text()));
    return r.json();
  }

  // A state-changing request of this page: form-encoded, with the token.
  async function post(url, fields) {
    const body = new URLSearchParams(fields);
    body.set("csrf", token);
    const r = await fetch(url, { method: "POST", body: body, headers: { "X-BitWrk-CSRF": token } });
    if (!r.ok) throw new Error(url + ": " + r.status + " " + (await r.text()));
  }

  function renderAccount(a) {
    $("available").textContent = a.Account.Available;
    $("blocked").textContent = a.Account.Blocked;
    $("updated").textContent = a.Updated;
    $("trusted-account").textContent = a.TrustedAccount;
    const badge = $("deposit-valid");
    if (a.DepositAddress) {
      $("deposit-address").textContent = a.DepositAddress;
      badge.textContent = a.DepositAddressValid ? "verified" : "NOT verified: do not pay to it";
      badge.className = "badge " + (a.DepositAddressValid ? "valid" : "invalid");
    } else {
      $("deposit-address").textContent = "none yet";
      badge.textContent = "";
      badge.className = "badge";
    }
    $("deposit-pending").textContent = a.Account.DepositAddressRequest
      ? "A deposit address has been requested; the payment processor has not answered yet." : "";
  }

  function renderActivities(list) {
    const rows = list.slice().sort(function (x, y) { return y.Key - x.Key; }).map(function (a) {
      const i = a.Info;
      const tr = document.createElement("tr");
      tr.dataset.key = a.Key;
      tr.className = i.Alive ? "alive" : (i.Info ? "failed" : "finished");
      tr.append(cell(a.Key), cell(i.Type), cell(i.Article), cell(i.Phase || (i.Alive ? "…" : ""), "phase"),
        cell(i.Amount, "amount"));
      const td = document.createElement("td");
      td.className = "transfer";
      if (i.BytesToTransfer > 0) {
        const bar = document.createElement("progress");
        bar.max = i.BytesToTransfer;
        bar.value = Math.min(i.BytesTransferred, i.BytesToTransfer);
        td.append(bar, " " + i.BytesTransferred + " / " + i.BytesToTransfer + " bytes");
      }
      tr.append(td, cell(i.Info, "info"));
      return tr;
    });
    $("activities").tBodies[0].replaceChildren(...rows);
  }

  function renderMandates(list) {
    const rows = list.map(function (m) {
      const i = m.Info;
      const tr = document.createElement("tr");
      tr.dataset.key = m.Key;
      tr.append(cell(m.Key), cell(i.Type === 0 ? "BUY" : "SELL"), cell(i.Article, "article"),
        cell(i.Price, "price"), cell(i.UseTradesLeft ? i.TradesLeft : "unlimited"),
        cell(i.UseUntil ? i.Until : "forever"));
      const td = document.createElement("td");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "revoke";
      b.textContent = "Revoke";
      b.addEventListener("click", function () {
        post("/revokemandate", { key: m.Key }).then(refresh, function (e) { problems.set("revoke", e.message); showProblems(); });
      });
      td.append(b);
      tr.append(td);
      return tr;
    });
    $("mandates").tBodies[0].replaceChildren(...rows);
  }

  function renderWorkers(list) {
    const rows = list.map(function (w) {
      const tr = document.createElement("tr");
      // Busy: working on a job. Blocked: an offered sell or a recent
      // failure holds it (0.7's Blockers). Idle: free for a new sell.
      const state = w.Unregistered ? "unregistered" : !w.Idle ? "busy"
        : w.Blockers > 0 ? "blocked (" + w.Blockers + ")" : "idle";
      tr.dataset.id = w.Info.Id;
      tr.append(cell(w.Info.Id), cell(w.Info.Article), cell(state, "state"), cell(w.LastError || "", "error"));
      return tr;
    });
    $("workers").tBodies[0].replaceChildren(...rows);
  }

  function renderMotd(m) {
    const p = $("motd");
    p.textContent = m.Text || "";
    p.className = m.Warning ? "motd warning" : "motd";
  }

  const sources = [
    ["/myaccount", renderAccount],
    ["/activities", renderActivities],
    ["/mandates", renderMandates],
    ["/workers", renderWorkers],
  ];

  function refresh() {
    return Promise.all(sources.map(function (s) {
      return getJSON(s[0]).then(function (v) { s[1](v); problems.delete(s[0]); },
        function (e) { problems.set(s[0], e.message); }).then(showProblems);
    }));
  }

  $("request-deposit").addEventListener("submit", function (ev) {
    ev.preventDefault();
    post("/requestdepositaddress", {}).then(function () { problems.delete("deposit"); return refresh(); },
      function (e) { problems.set("deposit", e.message); showProblems(); });
  });

  getJSON("/motd").then(renderMotd, function () {});
  refresh();
  setInterval(refresh, 1000);
})();
