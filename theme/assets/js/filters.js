/* List filters: <select data-filter> choices over a list's rows. No libraries, no server.

   A list on one page: its rows carry space-separated values in data-<key> (level, area,
   covers, station, group, status, mode, township, topic) and are shown or hidden here.
   A list split into pages: the form's data-facets names the list's facet file
   (generator/pages/facets.py), fetched the first time the reader touches a filter; the
   matching rows of every page are then drawn in place of the page's rows, the pagers are
   hidden, and 清除筛选 brings the page back. If the file cannot be fetched (e.g. the site
   opened from disk), the filter works on this page and says so.

   An area option's data-anc lists its ancestors: a row also matches when its constituency
   covers one of them (e.g. city deputies elected by the whole county). Without JavaScript
   the form stays hidden and the list shows as built. Text from the facet file goes into
   the page as text only (textContent), never as HTML. */
(function () {
  "use strict";
  var slice = function (x) { return Array.prototype.slice.call(x); };

  function has(tokens, value) {
    return (" " + (tokens || "") + " ").indexOf(" " + value + " ") >= 0;
  }

  function init(form) {
    var scope = form.parentNode;
    var table = scope.querySelector("[data-filter-list]");
    var count = scope.querySelector("[data-filter-count]");
    if (!table || !table.tBodies.length || !count) return;
    var body = table.tBodies[0];
    var rows = slice(body.rows);
    var selects = slice(form.querySelectorAll("select[data-filter]"));
    var unit = count.getAttribute("data-unit") || "人";
    var initial = count.textContent;
    var source = form.getAttribute("data-facets");
    var root = form.getAttribute("data-root") || "";
    if (root && root.charAt(root.length - 1) !== "/") root += "/";
    var pagers = slice(scope.querySelectorAll(".ds-pager, .sec-pager"));
    var state = source ? "idle" : "local"; // idle → loading → ready | failed; local: one page
    var facets = null;
    var drawn = null; // the tbody of drawn rows while a whole-list filter is on

    function matches(get, select) {
      var value = select.value;
      if (!value) return true;
      var key = select.getAttribute("data-filter");
      if (has(get(key), value)) return true;
      if (key === "area") {
        var anc = (select.options[select.selectedIndex].getAttribute("data-anc") || "").split(" ");
        for (var i = 0; i < anc.length; i++) {
          if (anc[i] && has(get("covers"), anc[i])) return true;
        }
      }
      return false;
    }
    function active() {
      return selects.some(function (s) { return !!s.value; });
    }
    function filterPage(note) {
      var shown = 0;
      rows.forEach(function (row) {
        var get = function (key) { return row.getAttribute("data-" + key); };
        var ok = selects.every(function (s) { return matches(get, s); });
        row.hidden = !ok;
        if (ok) shown++;
      });
      count.textContent = !active()
        ? initial
        : "显示 " + shown + " " + unit + "（" + note + "共 " + rows.length + " " + unit + "）";
    }
    function showPaged(paged) {
      body.style.display = paged ? "" : "none";
      pagers.forEach(function (p) { p.style.display = paged ? "" : "none"; });
      if (paged && drawn) {
        drawn.parentNode.removeChild(drawn);
        drawn = null;
      }
    }
    function part(td, p) {
      if (typeof p === "string") {
        td.appendChild(document.createTextNode(p));
      } else if (Array.isArray(p)) {
        // a link inside the site: [text, page path from the site root]; anything else
        // (a scheme, "//host", "..") is drawn as text without a target
        var a = document.createElement("a");
        if (/^([A-Za-z0-9][\w-]*\/)+$/.test(p[1])) a.href = root + p[1];
        a.textContent = p[0];
        td.appendChild(a);
      } else if (p && facets.badges[p.b]) {
        var badge = document.createElement("span");
        badge.className = "ds-status ds-status--" + p.b;
        var icon = document.createElement("span");
        icon.className = "ds-status__icon";
        icon.setAttribute("aria-hidden", "true");
        icon.textContent = facets.badges[p.b][0];
        badge.appendChild(icon);
        badge.appendChild(document.createTextNode(facets.badges[p.b][1]));
        td.appendChild(badge);
      }
    }
    function draw(cells) {
      var tr = document.createElement("tr");
      var model = rows.length ? rows[0].cells : [];
      cells.forEach(function (cell, i) {
        var td = document.createElement("td");
        // the column's attributes (class, data-label…) as the built rows have them
        if (model[i]) slice(model[i].attributes).forEach(function (at) { td.setAttribute(at.name, at.value); });
        if (typeof cell === "string") td.textContent = cell;
        else cell.forEach(function (p) { part(td, p); });
        tr.appendChild(td);
      });
      return tr;
    }
    function filterAll() {
      var keys = {};
      facets.keys.forEach(function (k, i) { keys[k] = i; });
      var tbody = document.createElement("tbody");
      var shown = 0;
      facets.rows.forEach(function (row) {
        var get = function (key) { return key in keys ? row[1][keys[key]] : ""; };
        if (selects.every(function (s) { return matches(get, s); })) {
          tbody.appendChild(draw(row[0]));
          shown++;
        }
      });
      showPaged(true);
      showPaged(false);
      drawn = table.appendChild(tbody);
      count.textContent = "筛选结果：共 " + shown + " " + unit + "（已查全部 " + facets.pages + " 页，共 " +
        facets.rows.length + " " + unit + "）";
    }
    function load() {
      if (state !== "idle") return;
      state = "loading";
      var done = function (ok, data) {
        if (ok && data && data.v === 1 && Array.isArray(data.rows)) {
          facets = data;
          state = "ready";
        } else {
          state = "failed";
        }
        apply();
      };
      try {
        window.fetch(source).then(function (r) {
          return r.ok ? r.json() : null;
        }).then(function (data) { done(true, data); }, function () { done(false); });
      } catch (e) {
        done(false);
      }
    }
    function apply() {
      if (state === "local") return filterPage("");
      if (!active()) {
        showPaged(true);
        return filterPage("");
      }
      if (state === "ready") return filterAll();
      if (state === "failed") {
        showPaged(true);
        return filterPage("未能载入其他页，只筛选了本页；本页");
      }
      count.textContent = "正在载入全部页的数据…";
      load();
    }
    form.hidden = false;
    form.addEventListener("change", apply);
    form.addEventListener("focusin", load);
    form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
    if (active()) apply(); // choices the browser kept (back button, reload)
  }
  slice(document.querySelectorAll("form[data-filters]")).forEach(init);
})();
