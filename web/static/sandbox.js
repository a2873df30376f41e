// Sandbox phone: send chat text (server signs and posts it to /wechat), poll the inbox for pushes.
(function () {
  "use strict";
  var phone = document.getElementById("phone");
  if (!phone) return;
  var screen = document.getElementById("screen");
  var chat = document.getElementById("chat");
  var inbox = document.getElementById("inbox");
  var form = document.getElementById("say");
  var input = document.getElementById("say-text");
  var token = document.querySelector('meta[name="csrf-token"]').content;

  function bottom() { screen.scrollTop = screen.scrollHeight; }
  function bubble(cls, text) {
    var el = document.createElement("div");
    el.className = "bubble " + cls;
    el.textContent = text;
    chat.appendChild(el);
    bottom();
    return el;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    bubble("me", text);
    input.value = "";
    var body = new FormData();
    body.append("text", text);
    fetch(phone.dataset.say, {method: "POST", body: body, credentials: "same-origin",
                              headers: {"Accept": "application/json", "X-CSRFToken": token}})
      .then(function (r) { return r.json(); })
      .then(function (res) {
        if (res.error) { bubble("bot", "（" + res.error + "）"); return; }
        if (!res.replies.length) { bubble("bot", "（没有回复）"); return; }
        res.replies.forEach(function (reply) {
          var holder = document.createElement("div");
          holder.className = "reply";
          holder.innerHTML = reply.html;
          chat.appendChild(holder);
        });
        bottom();
      })
      .catch(function () { bubble("bot", "（发送失败，请重试）"); });
  });

  function poll() {
    fetch(phone.dataset.inbox + "?after=" + phone.dataset.last,
          {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (res) {
        if (res.html) {
          var holder = document.createElement("div");
          holder.innerHTML = res.html;
          chat.appendChild(holder);
          bottom();
        }
        if (res.last_id) phone.dataset.last = res.last_id;
      })
      .finally(function () { setTimeout(poll, 2000); });
  }
  bottom();
  setTimeout(poll, 2000);
})();
