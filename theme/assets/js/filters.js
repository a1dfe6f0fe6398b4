/* Directory filters: show/hide list rows by the <select data-filter> values. No libraries,
   no server. Rows carry space-separated ids in data-level, data-area, data-covers,
   data-station, data-group, data-status, data-mode. Without JS the form stays hidden and the
   whole list shows. An area option's data-anc lists its ancestors: a row also matches when
   its constituency covers one of them (e.g. city deputies elected by the whole county). */
(function () {
  "use strict";
  function has(row, key, value) {
    return (" " + (row.getAttribute("data-" + key) || "") + " ").indexOf(" " + value + " ") >= 0;
  }
  function init(form) {
    var scope = form.parentNode;
    var table = scope.querySelector("[data-filter-list]");
    var count = scope.querySelector("[data-filter-count]");
    if (!table || !table.tBodies.length) return;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter]"));
    var unit = (count && count.getAttribute("data-unit")) || "人";
    function matches(row, select) {
      var value = select.value;
      if (!value) return true;
      var key = select.getAttribute("data-filter");
      if (has(row, key, value)) return true;
      if (key === "area") {
        var option = select.options[select.selectedIndex];
        var anc = (option.getAttribute("data-anc") || "").split(" ");
        for (var i = 0; i < anc.length; i++) {
          if (anc[i] && has(row, "covers", anc[i])) return true;
        }
      }
      return false;
    }
    function apply() {
      var shown = 0;
      rows.forEach(function (row) {
        var ok = selects.every(function (s) { return matches(row, s); });
        row.hidden = !ok;
        if (ok) shown++;
      });
      if (count) {
        count.textContent = shown === rows.length
          ? "共 " + shown + " " + unit
          : "显示 " + shown + " " + unit + "（共 " + rows.length + " " + unit + "）";
      }
    }
    form.hidden = false;
    form.addEventListener("change", apply);
    form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-filters]"), init);
})();
