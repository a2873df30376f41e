// Console: push/resend without leaving the page, and a progress bar that polls the JSON endpoint.
(function () {
  "use strict";
  var panel = document.getElementById("push-panel");
  if (!panel) return;
  var timer = null;

  function show(p) {
    ["total", "sent", "failed", "pending"].forEach(function (key) {
      var el = panel.querySelector('[data-count="' + key + '"]');
      if (el) el.textContent = p[key];
    });
    var total = p.total || 1;
    panel.querySelector(".progress .sent").style.width = (100 * p.sent / total) + "%";
    panel.querySelector(".progress .failed").style.width = (100 * p.failed / total) + "%";
    document.getElementById("push-state").textContent = p.state_text;
    document.getElementById("resend-button").disabled = !p.failed;
    panel.dataset.state = p.state;
  }

  function poll() {
    fetch(panel.dataset.progress, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (p) {
        show(p);
        timer = p.pending > 0 ? setTimeout(poll, 1000) : null;
      })
      .catch(function () { timer = setTimeout(poll, 3000); });
  }

  panel.querySelectorAll("form[data-async]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                          headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
        .then(function (res) {
          if (!res.ok) throw new Error(res.body.error || "操作失败");
          if (res.body.progress) show(res.body.progress);
          if (res.body.scheduled) {  // held by the quiet hours: say when it goes
            document.getElementById("push-state").textContent =
              "当前处于免打扰时段，推送将于 " + res.body.scheduled + " 发出（勾选“紧急”可立即发送）。";
            return;
          }
          if (!timer) poll();
        })
        .catch(function (error) { document.getElementById("push-state").textContent = error.message; })
        .finally(function () { button.disabled = false; });
    });
  });

  poll();
})();
