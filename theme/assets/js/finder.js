/* Find-your-deputy: fills <div data-finder> on the home page. Pick (select) or type (input with
   a datalist) a township, village or community; the township's file finder/uN.json is fetched
   and every deputy whose constituency covers the place is listed, nearest level first, with
   stations and report status. Data format: generator/search/finder.py. DOM built with
   textContent only. Without JS the home page's static area links remain. */
(function () {
  "use strict";
  if (typeof document === "undefined") return;

  function siteRoot() {
    var s = document.querySelector("script[src*='assets/js/finder.js']");
    return s ? s.src.replace(/assets\/js\/finder\.js.*$/, "") : "./";
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }
  var KIND_ZH = { township: "乡镇（街道）", village: "村", community: "社区" };

  function init() {
    var box = document.querySelector("[data-finder]");
    if (!box) return;
    var root = siteRoot(), units = null, cache = {};
    box.classList.add("ds-finder");

    var form = el("form", { "class": "ds-finder__form", role: "search", "aria-label": "查找您的代表" });
    var typeLabel = el("label", { "for": "ds-finder-q" }, "输入乡镇、村或社区名称");
    var typeIn = el("input", { id: "ds-finder-q", type: "search", list: "ds-finder-list", autocomplete: "off",
                               enterkeyhint: "search" });
    var dl = el("datalist", { id: "ds-finder-list" });
    var go = el("button", { type: "submit" }, "查找");
    var row1 = el("div", { "class": "ds-finder__row" });
    row1.appendChild(typeIn); row1.appendChild(go);
    var unitLabel = el("label", { "for": "ds-finder-unit" }, "或者选择乡镇（街道）");
    var unitSel = el("select", { id: "ds-finder-unit" });
    var placeLabel = el("label", { "for": "ds-finder-place" }, "村或社区");
    var placeSel = el("select", { id: "ds-finder-place" });
    var placeWrap = el("div", { "class": "ds-finder__place" });
    placeWrap.hidden = true;
    placeWrap.appendChild(placeLabel); placeWrap.appendChild(placeSel);
    [typeLabel, row1, dl, unitLabel, unitSel, placeWrap].forEach(function (x) { form.appendChild(x); });
    var status = el("p", { "class": "ds-finder__status", role: "status", "aria-live": "polite" });
    var out = el("div", { "class": "ds-finder__result" });
    box.appendChild(form); box.appendChild(status); box.appendChild(out);

    var byName = new Map();  // datalist value → [unit index, place index]
    fetch(root + "finder/index.json").then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (idx) {
      units = idx.units;
      unitSel.appendChild(el("option", { value: "" }, "请选择"));
      var groups = new Map();
      units.forEach(function (u, i) {
        var parent = u[2].split(" / ").slice(0, -1).join(" / ");
        if (!groups.has(parent)) {
          var g = el("optgroup", { label: parent || "其他" });
          groups.set(parent, g);
          unitSel.appendChild(g);
        }
        groups.get(parent).appendChild(el("option", { value: String(i) }, u[1]));
        var key = u[1] + "（" + u[2] + "）";
        byName.set(key, [i, 0]);
        dl.appendChild(el("option", { value: key }));
        u[3].forEach(function (name, j) {
          var k = name + "（" + u[2] + "）";
          if (!byName.has(k)) { byName.set(k, [i, j + 1]); dl.appendChild(el("option", { value: k })); }
        });
      });
    }).catch(function () { status.textContent = "查找功能暂时不可用，请使用下面的地区列表。"; });

    function loadUnit(i) {
      var u = units[i];
      if (!cache[u[0]]) {
        cache[u[0]] = fetch(root + "finder/" + u[0] + ".json").then(function (r) {
          if (!r.ok) throw new Error(r.status);
          return r.json();
        });
      }
      return cache[u[0]];
    }

    function show(i, p) {
      status.textContent = "正在查找…";
      loadUnit(i).then(function (data) {
        unitSel.value = String(i);
        placeSel.textContent = "";
        placeSel.appendChild(el("option", { value: "0" }, "整个" + data.name));
        data.places.slice(1).forEach(function (pl, j) {
          placeSel.appendChild(el("option", { value: String(j + 1) }, pl[0] + "（" + (KIND_ZH[pl[1]] || "") + "）"));
        });
        placeSel.value = String(p);
        placeWrap.hidden = data.places.length < 2;
        render(data, p);
      }).catch(function () { status.textContent = "加载失败，请稍后再试。"; });
    }

    function entryItem(e, extra) {
      var li = el("li", { "class": "ds-finder__dep" });
      var a = el("a", { href: root + e.url }, e.name);
      li.appendChild(a);
      li.appendChild(el("span", { "class": "ds-finder__level" }, " " + e.level_zh));
      var info = el("span", { "class": "ds-finder__info" });
      info.appendChild(el("span", null, e.constituency ? (e.electing_unit ? "选举单位：" : "选区：") + e.constituency : e.congress));
      info.appendChild(el("span", { "class": "ds-status ds-status--" + e.status }, "报告情况：" + e.status_zh));
      li.appendChild(info);
      if (e.stations.length) {
        var st = el("span", { "class": "ds-finder__stations" }, "联络站：");
        e.stations.forEach(function (s, k) {
          if (k) st.appendChild(document.createTextNode("、"));
          st.appendChild(el("a", { href: root + s[1] }, s[0]));
        });
        li.appendChild(st);
      }
      if (extra) li.appendChild(el("span", { "class": "ds-finder__part" }, extra));
      return li;
    }

    function render(data, p) {
      var place = data.places[p] || data.places[0];
      out.textContent = "";
      var where = p ? place[0] + "（" + data.path + "）" : data.path;
      out.appendChild(el("h3", { id: "ds-finder-heading" }, where + " 的各级人大代表"));
      var ids = place[2];
      if (ids.length) {
        var ul = el("ul", { "class": "ds-finder__list", "aria-labelledby": "ds-finder-heading" });
        ids.forEach(function (k) { ul.appendChild(entryItem(data.deputies[k])); });
        out.appendChild(ul);
      } else {
        out.appendChild(el("p", null, "没有找到覆盖这里的在任代表记录。"));
      }
      var n = ids.length;
      if (!p && data.part.length) {
        out.appendChild(el("h4", null, "只覆盖" + data.name + "部分村、社区的代表"));
        var ul2 = el("ul", { "class": "ds-finder__list" });
        data.part.forEach(function (x) {
          ul2.appendChild(entryItem(data.deputies[x[0]], "覆盖：" + x[1].join("、")));
        });
        out.appendChild(ul2);
        n += data.part.length;
      }
      status.textContent = where + "：找到 " + n + " 位代表。";
    }

    function pickTyped() {
      var v = typeIn.value.trim();
      if (!v || !units) return;
      var hit = byName.get(v);
      if (!hit) {  // a partial name: the first place whose name contains it
        for (var it = byName.entries(), x = it.next(); !x.done; x = it.next()) {
          if (x.value[0].split("（")[0].indexOf(v) >= 0) { hit = x.value[1]; break; }
        }
      }
      if (hit) show(hit[0], hit[1]);
      else { out.textContent = ""; status.textContent = "没有找到名为“" + v + "”的乡镇、村或社区。"; }
    }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); pickTyped(); });
    typeIn.addEventListener("change", function () { if (byName.has(typeIn.value.trim())) pickTyped(); });
    unitSel.addEventListener("change", function () {
      if (unitSel.value === "") { out.textContent = ""; placeWrap.hidden = true; return; }
      show(Number(unitSel.value), 0);
    });
    placeSel.addEventListener("change", function () { show(Number(unitSel.value), Number(placeSel.value)); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
