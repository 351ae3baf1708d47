// The few behaviours htmx does not cover. Plain JavaScript, no build step.
(function () {
  "use strict";

  // Drag-and-drop upload with a progress bar. Without JavaScript the form posts normally.
  function setUpUpload(form) {
    var zone = form.querySelector("[data-dropzone]");
    var input = form.querySelector("input[type=file]");
    var box = form.querySelector("[data-progress]");
    var bar = form.querySelector("progress");
    var label = form.querySelector("[data-progress-text]");
    var error = form.querySelector("[data-upload-error]");
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        send();
      }
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); send(); });

    function send() {
      if (!input.files || !input.files.length) { error.textContent = "Choose a file first."; return; }
      error.textContent = "";
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { show(Math.round((event.loaded / event.total) * 100)); }
      });
      request.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(request.responseText); } catch (ignored) { body = {}; }
        if (request.status >= 200 && request.status < 300 && body.review_url) {
          show(100);
          label.textContent = "Uploaded. Opening the review…";
          window.location.assign(body.review_url);
        } else {
          box.hidden = true;
          error.textContent = (body.error && body.error.message) || "The upload failed (" + request.status + ").";
        }
      });
      request.addEventListener("error", function () {
        box.hidden = true;
        error.textContent = "The upload failed: the connection was lost. Try again.";
      });
      box.hidden = false;
      show(0);
      request.send(new FormData(form));
    }

    function show(percent) {
      bar.value = percent;
      bar.textContent = percent + "%";
      label.textContent = percent + "%";
    }
  }

  // Focusing a reviewed field outlines where it was read on the page image.
  function highlight(target) {
    var spec = target.getAttribute("data-box");
    document.querySelectorAll(".hl.on").forEach(function (el) { el.classList.remove("on"); });
    if (!spec) { return; }
    var parts = spec.split(",").map(Number);
    var page = document.querySelector('.pagebox[data-page="' + parts[0] + '"]');
    if (!page) { return; }
    var mark = page.querySelector(".hl");
    mark.style.left = parts[1] + "%";
    mark.style.top = parts[2] + "%";
    mark.style.width = parts[3] + "%";
    mark.style.height = parts[4] + "%";
    mark.classList.add("on");
    var rect = mark.getBoundingClientRect();
    if (rect.top < 0 || rect.bottom > window.innerHeight) {
      mark.scrollIntoView({ block: "center", behavior: "smooth" });
    }
  }

  // A region marked data-refresh-seconds reloads itself from the page's current address (which
  // carries the filters and sort htmx pushed), so verdicts that a renewal's fan-out changed show
  // up without a reload. It waits while the tab is hidden or a control in it has focus, and it
  // only swaps when the text changed, so a screen reader hears nothing when nothing happened.
  function setUpRefresh(region) {
    var seconds = Number(region.getAttribute("data-refresh-seconds")) || 60;
    function words(text) { return text.replace(/\s+/g, " ").trim(); }
    function refresh() {
      if (document.visibilityState !== "visible") { return; }
      var active = document.activeElement;
      if (active && active !== document.body && active.closest("form")) { return; }
      fetch(window.location.pathname + window.location.search, {
        headers: { "HX-Request": "true" }, credentials: "same-origin"
      }).then(function (response) {
        // A redirect means the session ended: leave the page as it is rather than paste a sign-in form.
        return response.ok && !response.redirected ? response.text() : null;
      }).then(function (html) {
        if (html === null) { return; }
        var incoming = document.createElement("template");
        incoming.innerHTML = html;
        if (words(incoming.content.textContent) === words(region.textContent)) { return; }
        region.innerHTML = html;
        if (window.htmx) { window.htmx.process(region); }
        region.setAttribute("data-refreshed-at", new Date().toISOString());
      }).catch(function () { /* offline for a moment: the next tick tries again */ });
    }
    window.setInterval(refresh, seconds * 1000);
  }

  // A notice's "mark as read" button (htmx posts it): once the server agreed, the notice shows
  // as read and the button goes. Here rather than in an hx-on attribute, which the page's
  // Content-Security-Policy (no inline script, no eval) does not run.
  document.addEventListener("htmx:afterRequest", function (event) {
    var button = event.detail && event.detail.elt;
    if (!button || !button.hasAttribute || !button.hasAttribute("data-marks-read")) { return; }
    if (!event.detail.successful) { return; }
    var item = button.closest("li");
    if (item) {
      item.dataset.read = "true";
      var flag = item.querySelector(".flag");
      if (flag) { flag.remove(); }
    }
    button.remove();
  });

  function ready() {
    document.querySelectorAll("form[data-upload]").forEach(setUpUpload);
    document.querySelectorAll("[data-refresh-seconds]").forEach(setUpRefresh);
    document.addEventListener("focusin", function (event) {
      if (event.target.closest && event.target.closest(".fields") && event.target.hasAttribute("data-box")) {
        highlight(event.target);
      }
    });
    document.addEventListener("click", function (event) {
      var spot = event.target.closest && event.target.closest("a.spot");
      if (spot) { event.preventDefault(); highlight(spot); }
    });
    // Evidence pages open with their spot already marked.
    var marked = document.querySelector("[data-box][data-mark-now]");
    if (marked) { highlight(marked); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
