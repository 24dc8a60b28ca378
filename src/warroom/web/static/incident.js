// The incident page: the live timeline and the status-update composer's templates.
// Plain JavaScript, no build step. The page works without it (reload to see new events).
(function () {
  "use strict";

  function liveTimeline() {
    var list = document.getElementById("timeline-events");
    if (!list || !window.fetch) {
      return;
    }
    var status = document.getElementById("timeline-new");
    var busy = false;
    var again = false;

    function lastSeq() {
      return parseInt(list.getAttribute("data-last-seq") || "0", 10) || 0;
    }

    // Pull every event after the newest one shown, as HTML rendered by the server.
    function pull() {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      var url = list.getAttribute("data-fragment") + "?after=" + lastSeq();
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          return response.ok ? response.text() : "";
        })
        .then(function (html) {
          if (html.trim()) {
            var holder = document.createElement("ol");
            holder.innerHTML = html;
            var items = holder.querySelectorAll("li[data-seq]");
            var newest = lastSeq();
            for (var i = items.length - 1; i >= 0; i--) {
              var seq = parseInt(items[i].getAttribute("data-seq"), 10);
              if (seq > lastSeq() && !document.getElementById("event-" + seq)) {
                items[i].classList.add("new");
                list.insertBefore(items[i], list.firstChild);
              }
              newest = Math.max(newest, seq);
            }
            list.setAttribute("data-last-seq", String(newest));
            staleStatus(items);
            if (status && items.length) {
              status.textContent = items.length === 1 ? "1 new event." : items.length + " new events.";
            }
          }
        })
        .catch(function () {})
        .then(function () {
          busy = false;
          if (again) {
            again = false;
            pull();
          }
        });
    }

    // warroom.js holds the stream (data-live on the list) and announces each timeline event.
    document.addEventListener("warroom:timeline", pull);
    // Catch up on what happened while the tab slept or the stream was reconnecting.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        pull();
      }
    });
  }

  // What the Status and Roles sections show (status, severity, roles, the buttons they allow)
  // is as it was when the page was loaded; an event that changes it says so above them, with
  // a reload, rather than leaving an "Acknowledge" that would be refused.
  var CHANGES_STATUS = /^incident:(status|severity|role|details):/;

  function staleStatus(items) {
    var notice = document.getElementById("status-stale");
    if (!notice) {
      return;
    }
    for (var i = 0; i < items.length; i++) {
      var kind = items[i].querySelector("code.kind");
      if (kind && CHANGES_STATUS.test(kind.textContent)) {
        var what = items[i].querySelector(".what");
        var actor = items[i].querySelector(".actor");
        notice.querySelector(".stale-what").textContent =
          (what ? what.textContent.trim() : kind.textContent) +
          (actor ? " (" + actor.textContent.trim() + ")" : "");
        notice.hidden = false;
        return;
      }
    }
  }

  function starters() {
    var select = document.getElementById("starter");
    if (!select) {
      return;
    }
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var state = option.getAttribute("data-state");
      if (!state) {
        return;
      }
      document.getElementById("upd-state").value = state;
      document.getElementById("upd-internal").value = option.getAttribute("data-internal") || "";
      document.getElementById("upd-public").value = option.getAttribute("data-public") || "";
      document.getElementById("upd-internal").focus();
    });
  }

  function showPreview() {
    var preview = document.getElementById("update-preview");
    if (preview) {
      preview.scrollIntoView();
      preview.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    liveTimeline();
    starters();
    showPreview();
  });
})();
