/* Large-text, high-contrast reading mode (大字模式) and small accessibility helpers.
   Deferred (theme/partials/javascripts/base.html); a one-line inline script there applies the
   saved choice to <html> before first paint (no flash of small text). No pop-up, nothing fetched. */
(function () {
  "use strict";
  var KEY = "ds-reading-mode";
  var root = document.documentElement;

  function saved() {
    try { return window.localStorage.getItem(KEY) === "large"; } catch (e) { return false; }
  }
  function save(on) {
    // Storage can be disabled (private mode, some in-app browsers): the mode then lasts one page.
    try {
      if (on) window.localStorage.setItem(KEY, "large"); else window.localStorage.removeItem(KEY);
    } catch (e) { /* ignore */ }
  }
  function apply(on) {
    if (on) root.setAttribute("data-reading-mode", "large"); else root.removeAttribute("data-reading-mode");
    var buttons = document.querySelectorAll("[data-ds-reading-toggle]");
    for (var i = 0; i < buttons.length; i++) buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
  }

  // Before first paint: the switch is shown only when this script runs (CSS keys on data-ds-js).
  root.setAttribute("data-ds-js", "");
  apply(saved());

  document.addEventListener("click", function (ev) {
    var t = ev.target && ev.target.closest ? ev.target.closest("[data-ds-reading-toggle]") : null;
    if (!t) return;
    var on = root.getAttribute("data-reading-mode") !== "large";
    save(on);
    apply(on);
    markScrollable();
  });

  // Material's menu button is a <label> for a hidden checkbox: make it work from the keyboard.
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (!t || t.tagName !== "LABEL" || t.getAttribute("role") !== "button") return;
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); t.click(); }
  });

  // A region that scrolls sideways (a wide table on a phone) must be reachable by keyboard.
  function markScrollable() {
    var main = document.querySelector(".md-content");
    if (!main) return;
    var n = main.querySelectorAll("[data-ds-scroll]").length;
    var els = main.querySelectorAll("table, .md-typeset__scrollwrap, figure, figcaption, pre, div");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var ox = window.getComputedStyle(el).overflowX;
      var scrolls = (ox === "auto" || ox === "scroll") && el.scrollWidth > el.clientWidth + 1;
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-ds-scroll", "");
        // A name for what the focus lands on; tables and figures keep their own role.
        var tag = el.tagName;
        if (tag !== "TABLE" && tag !== "FIGURE" && !el.hasAttribute("role")) el.setAttribute("role", "group");
        if (!el.hasAttribute("aria-label") && !el.hasAttribute("aria-labelledby")) {
          var cap = el.querySelector("caption");
          n += 1;
          el.setAttribute("aria-label", (cap ? cap.textContent.trim() : "表格" + n) + "（可左右滚动）");
        }
      }
    }
  }

  function ready() {
    apply(root.getAttribute("data-reading-mode") === "large");
    markScrollable();
    root.setAttribute("data-ds-a11y-ready", "");
  }
  // After Material's bundle has wrapped tables (it runs on DOMContentLoaded too).
  window.addEventListener("load", ready);
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(markScrollable, 200);
  });
})();
