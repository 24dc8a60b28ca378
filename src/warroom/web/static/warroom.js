// warroom web UI: countdowns, local times, live updates (Server-Sent Events). No inline script
// anywhere (the Content-Security-Policy forbids it); pages opt in through data- attributes:
//   <time data-deadline="ISO">      ticks "in 4 min" / "3 min late" every second
//   <time class="local" datetime>   shown in the browser's time zone, named ("1:18 PM EST")
//   <div data-live="/ui/events" data-live-event="incidents" data-live-fragment="/ui/dashboard/fragment">
//       on each event, the element's content is replaced by the fragment URL's HTML
//   document "warroom:timeline" events: other scripts (the incident page) listen for them.
//   .flashes (a form's outcome) moves into the section the page's #anchor names.
(function () {
  "use strict";

  function span(seconds) {
    seconds = Math.abs(Math.floor(seconds));
    if (seconds < 60) return seconds + " s";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min";
    if (seconds < 86400) {
      var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60);
      return m ? h + " h " + m + " min" : h + " h";
    }
    return Math.floor(seconds / 86400) + " d";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-deadline]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(due)) return;
      var left = (due - now) / 1000;
      el.textContent = left >= 0 ? "in " + span(left) : span(left) + " late";
      el.classList.toggle("late", left < 0);
    });
  }

  function localTimes(root) {
    root.querySelectorAll("time.local[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d.getTime())) return;
      el.title = el.textContent;
      // With the zone's name: the alerts and on-call pages show the person's zone, the CLI
      // UTC, the browser may be in a third; a bare "1:18 PM" at 3am is a guess.
      el.textContent = d.toLocaleString([], {
        year: "numeric", month: "short", day: "numeric",
        hour: "numeric", minute: "2-digit", timeZoneName: "short"
      });
    });
  }

  function refresh(el) {
    var url = el.getAttribute("data-live-fragment");
    if (!url) return;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        el.innerHTML = html;
        localTimes(el);
        tick();
      })
      .catch(function () { /* the next event retries */ });
  }

  function live(el) {
    if (!window.EventSource) return;
    var source = new EventSource(el.getAttribute("data-live"));
    var name = el.getAttribute("data-live-event") || "incidents";
    var status = document.getElementById(el.getAttribute("data-live-status") || "live-status");
    source.addEventListener(name, function (event) {
      if (name === "timeline") {
        document.dispatchEvent(new CustomEvent("warroom:timeline", { detail: JSON.parse(event.data) }));
      } else {
        refresh(el);
      }
    });
    function stop(text) {
      source.close();
      if (status) status.textContent = text;
    }
    // The server ends the stream for good: the session ended, or the incident is no longer
    // visible. Reconnecting would only be refused, so say so instead of "reconnecting…".
    source.addEventListener("signed-out", function () {
      stop("stopped: you are signed out; sign in again and reload");
    });
    source.addEventListener("closed", function () {
      stop("stopped: you may no longer see this incident");
    });
    source.addEventListener("open", function () { if (status) status.textContent = "live"; });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {
        stop("stopped; reload the page");  // the browser gave up (e.g. sent to sign-in)
      } else if (status) {
        status.textContent = "reconnecting…";
      }
    });
  }

  // A form posted from deep in a long page comes back to its section (#roles); the message
  // saying what happened, printed at the top of the page, is shown in that section instead,
  // where the person is looking.
  function flashWhereLanded() {
    var flashes = document.querySelector(".flashes");
    if (!flashes || !location.hash) return;
    var id;
    try {
      id = decodeURIComponent(location.hash.slice(1));
    } catch (e) {
      return;  // a link ending in "#%zz": the page's live parts must still start
    }
    var target = document.getElementById(id);
    if (!target || target.tagName !== "SECTION" || !target.closest("main")) return;
    var heading = target.querySelector("h2, h3");
    if (heading && heading.parentNode === target) {
      target.insertBefore(flashes, heading.nextSibling);
    } else {
      target.insertBefore(flashes, target.firstChild);
    }
    target.scrollIntoView();
  }

  document.addEventListener("DOMContentLoaded", function () {
    flashWhereLanded();
    localTimes(document);
    tick();
    setInterval(tick, 1000);
    document.querySelectorAll("[data-live]").forEach(live);
  });

  // A form (or its submit button) with data-confirm asks before it is sent; delegated, so that
  // forms a live update brings ask too.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) ||
      event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
