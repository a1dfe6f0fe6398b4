/* Find-your-deputy: enhances <section data-finder> (home page and find/). The form is in the
   page; this script reads a place as people write it — "棠铺镇龙山村", "龙山", "龙山村委会",
   "龍山村", "禾溪县" — matches it along the area tree of finder/index.json (fetched only once
   someone types), and lists every place that matches, never silently one. A place's township
   file finder/uN.json gives its deputies: those the voter elects directly (township, county)
   first, the indirectly elected (city, province, national) folded behind their counts; each
   with the deputy's liaison station, its reception hours and a tel: link to its office phone.
   Traditional characters: the search index's OpenCC table (search/idx/t2s.json), fetched only
   when the query has a character no place name uses. Data format: generator/search/finder.py.
   DOM built with textContent only. Without JS the form goes to find/, which links every area. */
(function () {
  "use strict";
  if (typeof document === "undefined") return;

  var KIND_ZH = { township: "乡镇（街道）", village: "村", community: "社区", county: "县（区）", city: "市", province: "省" };
  var LEVEL_ORDER = ["township", "county", "city", "provincial", "national"];
  // Endings people may leave off ("龙山" for 龙山村); a stem shorter than two characters is
  // too vague to stand for a place.
  var SUFFIXES = ["社区", "街道", "村", "镇", "乡", "县", "区", "市", "省"];
  // What people write for a village or community: its committee (村委会 = the village).
  var COMMITTEES = [
    [/村?(村民委员会|村委会|村委)/g, "村"],
    [/(社区)?(居民委员会|居委会)/g, "社区"],
    [/街道(办事处|办)/g, "街道"],
    [/(人民政府|政府)$/g, ""]
  ];
  var MAX_CHOICES = 40;

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
  function chars(s) { return Array.from ? Array.from(s) : s.split(""); }
  // fresh: a file whose kept copy must be checked with the server (the index, the search
  // manifest): the unit files' addresses carry the index's version, so after an update a kept
  // old index can never be read against new unit files, or new against old.
  function getJSON(url, fresh) {
    return fetch(url, { cache: fresh ? "no-cache" : "default" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }
  function normalize(q) {
    q = q.replace(/[\s\u3000·•、，,。.\/／\\\-—_()（）【】\[\]"“”'‘’:：;；]+/g, "").toLowerCase();
    q = q.replace(/^中国/, "");
    COMMITTEES.forEach(function (c) { q = q.replace(c[0], c[1]); });
    return q;
  }
  function telHref(phone) { return "tel:" + phone.replace(/[^0-9+]/g, ""); }

  function init() {
    var box = document.querySelector("[data-finder]");
    if (!box) return;
    var form = box.querySelector("form");
    var input = box.querySelector("#ds-finder-q");
    if (!form || !input) return;
    var root = siteRoot();
    var status = box.querySelector(".ds-finder__status");
    var out = box.querySelector(".ds-finder__result");
    var index = null, version = "", rows = null, variants = null, known = null, parents = null, shards = {}, t2s = null;

    function loadIndex() {
      if (!index) {
        index = getJSON(root + "finder/index.json", true).then(function (idx) {
          version = idx.version;
          rows = idx.areas;
          variants = rows.map(function (r) {
            var v = [r[0]];
            SUFFIXES.some(function (s) {
              if (r[0].length - s.length >= 2 && r[0].slice(-s.length) === s) { v.push(r[0].slice(0, -s.length)); return true; }
              return false;
            });
            return v;
          });
          known = new Set();
          parents = new Set();
          rows.forEach(function (r) {
            chars(r[0]).forEach(function (ch) { known.add(ch); });
            if (r[2] >= 0) parents.add(r[2]);
          });
          return rows;
        });
        index.catch(function () { index = null; });
      }
      return index;
    }
    function loadShard(file) {
      if (!shards[file]) {
        shards[file] = getJSON(root + "finder/" + file + ".json?v=" + version);
        shards[file].catch(function () { delete shards[file]; });
      }
      return shards[file];
    }
    /* Traditional → simplified with the search index's table (search.js toSimplified), only
       when a character of the query is in no place name. */
    function toSimplified(q) {
      var cs = chars(q);
      if (!cs.some(function (ch) { return ch >= "\u3400" && !known.has(ch); })) return Promise.resolve(q);
      if (!t2s) {
        t2s = getJSON(root + "search/idx/manifest.json", true).then(function (man) {
          return man.t2s ? getJSON(root + "search/idx/t2s.json?v=" + man.version) : {};
        }).catch(function () { return {}; });
      }
      return t2s.then(function (map) { return cs.map(function (ch) { return map[ch] || ch; }).join(""); });
    }

    function pathOf(i) {
      var p = [];
      for (var k = i, n = 0; k >= 0 && n < 20; k = rows[k][2], n++) p.unshift(k);
      return p;
    }
    function pathLabel(i, upTo) {
      // the places above i, without the province and city when a county is there
      var p = pathOf(i).slice(0, upTo ? undefined : -1);
      var names = p.map(function (k) { return rows[k]; });
      var c = -1;
      names.forEach(function (r, n) { if (r[1] === "county") c = n; });
      return names.slice(Math.max(c, 0)).map(function (r) { return r[0]; }).join(" ");
    }
    /* How well q names row path[path.length-1], read along its path: 3 when the last part is
       its full name, 2 its name without 村/镇/…, 1 a part of its name; -1 if not. Each earlier
       part must be the name (or stem) of an area above it, in order. */
    function score(q, path, k) {
      var last = path.length - 1, best = -1;
      for (var i = k; i <= last; i++) {
        var vs = variants[path[i]];
        if (i === last) {
          var at = vs.indexOf(q);
          if (at >= 0) best = Math.max(best, at === 0 ? 3 : 2);
          else if (q && rows[path[i]][0].indexOf(q) >= 0) best = Math.max(best, 1);
        } else {
          for (var n = 0; n < vs.length; n++) {
            var v = vs[n];
            if (q.length > v.length && q.slice(0, v.length) === v) best = Math.max(best, score(q.slice(v.length), path, i + 1));
          }
        }
      }
      return best;
    }
    /* {exact: places named in full, near: the others that match, best first}. */
    function find(q) {
      var exact = [], near = [];
      for (var i = 0; i < rows.length; i++) {
        var s = score(q, pathOf(i), 0);
        if (s === 3) exact.push(i);
        else if (s > 0) near.push([s, i]);
      }
      near.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
      return { exact: exact, near: near.map(function (x) { return x[1]; }) };
    }

    function choiceList(items, bare) {
      var ul = el("ul", { "class": "ds-finder__choices" });
      items.slice(0, MAX_CHOICES).forEach(function (i) {
        var li = el("li");
        var b = el("button", { type: "button", "class": "ds-finder__choice" });
        b.appendChild(el("span", null, rows[i][0]));
        var where = bare ? "" : pathLabel(i);
        if (where) b.appendChild(el("span", { "class": "ds-finder__where" }, "（" + where + "）"));
        b.addEventListener("click", function () { pick(i, [], true); });
        li.appendChild(b);
        ul.appendChild(li);
      });
      return ul;
    }

    function run(raw) {
      var typed = raw.trim();
      if (!typed) { status.textContent = "请输入您住的村、社区或乡镇（街道）名称。"; return; }
      status.textContent = "正在查找…";
      loadIndex().then(function () {
        return toSimplified(typed);
      }).then(function (simple) {
        var q = normalize(simple);
        var hits = q ? find(q) : { exact: [], near: [] };
        out.textContent = "";
        if (!hits.exact.length && !hits.near.length) {
          status.textContent = "没有找到“" + typed + "”。";
          var town = knownStart(q);
          if (town >= 0) {
            // "棠铺镇某某村" with a village we do not know: the township's places to pick from
            var kids = rows.map(function (r, i) { return i; }).filter(function (i) {
              return rows[i][2] === town && rows[i][3];
            });
            out.appendChild(el("h3", { "class": "ds-finder__h" }, "没有找到这个村或社区。" + rows[town][0] + "有："));
            out.appendChild(choiceList(kids, true));
          } else {
            out.appendChild(el("p", null, "请检查名称，例如写成“乡镇名＋村名”；也可以按乡镇（街道）选择。"));
          }
          out.appendChild(browseButton());
          return;
        }
        // One place named in full (others that contain the name listed below it), or the
        // only match: shown at once. Several: all listed, never one picked silently.
        if (hits.exact.length === 1 || (!hits.exact.length && hits.near.length === 1)) {
          var one = hits.exact.length ? hits.exact[0] : hits.near[0];
          var others = hits.exact.length ? hits.near : [];
          return pick(one, others, false);
        }
        var all = hits.exact.concat(hits.near);
        status.textContent = "“" + typed + "”：找到 " + all.length + " 个地方，请选择。";
        out.appendChild(el("h3", { "class": "ds-finder__h" }, "找到 " + all.length + " 个地方，请选择您住的地方："));
        out.appendChild(choiceList(all));
        if (all.length > MAX_CHOICES) out.appendChild(el("p", null, "只列出前 " + MAX_CHOICES + " 个，请输入更完整的名称。"));
      }).catch(function () { status.textContent = "查找功能暂时不可用，请稍后再试，或按地区浏览。"; });
    }

    /* The deepest place whose name (or stem) the query starts with, when places are below it. */
    function knownStart(q) {
      var best = -1, depth = -1;
      rows.forEach(function (r, i) {
        var vs = variants[i];
        for (var n = 0; n < vs.length; n++) {
          if (q.length > vs[n].length && q.slice(0, vs[n].length) === vs[n]) {
            var d = pathOf(i).length;
            if (d > depth && parents.has(i)) { best = i; depth = d; }
          }
        }
      });
      return best;
    }

    function units(under) {
      // the townships (and villages without one) below row `under`, or all of them
      var out = [];
      rows.forEach(function (r, i) {
        if (r[3] && r[4] === 0 && (under < 0 || pathOf(i).indexOf(under) >= 0)) out.push(i);
      });
      return out;
    }
    function browseButton() {
      var b = el("button", { type: "button", "class": "ds-finder__browse" }, "按乡镇（街道）选择");
      b.addEventListener("click", function () {
        loadIndex().then(function () { listUnits(-1); });
      });
      return b;
    }
    function listUnits(under) {
      var us = units(under);
      out.textContent = "";
      var where = under >= 0 ? rows[under][0] : "";
      out.appendChild(el("h3", { "class": "ds-finder__h" }, (where ? where + "的" : "") + "乡镇（街道）：请选择"));
      out.appendChild(choiceList(us, under >= 0 && us.every(function (i) { return rows[i][2] === under; })));
      status.textContent = (where ? where + "：" : "") + "共 " + us.length + " 个乡镇（街道），请选择。";
    }

    /* Show row i: a county (or anything above a township) lists its townships; a township,
       village or community lists its deputies. `others`: further places the query named. */
    function pick(i, others, focus) {
      var r = rows[i];
      if (!r[3]) { listUnits(i); focusHeading(focus); return Promise.resolve(); }
      status.textContent = "正在查找…";
      return loadShard(r[3]).then(function (shard) {
        render(shard, r[4], i, others || []);
        focusHeading(focus);
      }).catch(function () { status.textContent = "加载失败，请稍后再试。"; });
    }
    // after a click on a choice (which the new result removes), keyboard focus goes to the result
    function focusHeading(focus) {
      var h = focus === "select" ? out.querySelector("#ds-finder-place") : out.querySelector("h3");
      if (!focus || !h) return;
      if (focus === "select") { h.focus(); return; }
      h.setAttribute("tabindex", "-1");
      h.focus();
    }

    function stationLine(shard, e) {
      var box = el("div", { "class": "ds-finder__stations" });
      if (!e.stations.length) return null;
      e.stations.forEach(function (k) {
        var s = shard.stations[k];
        var p = el("p", { "class": "ds-finder__station" });
        p.appendChild(document.createTextNode("联络站："));
        p.appendChild(el("a", { href: root + s[1] }, s[0]));
        if (s[2]) p.appendChild(el("span", { "class": "ds-finder__hours" }, " · 接待时间：" + s[2]));
        if (s[3]) {
          p.appendChild(document.createTextNode(" · 电话："));
          p.appendChild(el("a", { href: telHref(s[3]), "class": "ds-finder__tel" }, s[3]));
        }
        box.appendChild(p);
      });
      return box;
    }
    function entryItem(shard, e, extra) {
      var li = el("li", { "class": "ds-finder__dep" });
      var head = el("p", { "class": "ds-finder__who" });
      head.appendChild(el("a", { href: root + e.url }, e.name));
      head.appendChild(el("span", { "class": "ds-finder__level" }, " " + e.level_zh));
      li.appendChild(head);
      var info = el("p", { "class": "ds-finder__info" });
      info.appendChild(el("span", null, e.constituency ? (e.electing_unit ? "选举单位：" : "选区：") + e.constituency : e.congress));
      info.appendChild(document.createTextNode(" · "));
      info.appendChild(el("span", { "class": "ds-status ds-status--" + e.status }, "报告情况：" + e.status_zh));
      li.appendChild(info);
      if (extra) li.appendChild(el("p", { "class": "ds-finder__part" }, extra));
      var st = stationLine(shard, e);
      if (st) li.appendChild(st);
      return li;
    }
    function list(shard, items) {
      var ul = el("ul", { "class": "ds-finder__list" });
      items.forEach(function (x) { ul.appendChild(entryItem(shard, shard.deputies[x[0]], x[1])); });
      return ul;
    }

    function render(shard, p, row, others) {
      var place = shard.places[p] || shard.places[0];
      var isUnit = p === 0;
      out.textContent = "";
      var where = pathLabel(row);
      var h = el("h3", { "class": "ds-finder__h", id: "ds-finder-heading" }, place[0]);
      if (where) h.appendChild(el("span", { "class": "ds-finder__where" }, "（" + where + "）"));
      out.appendChild(h);
      var direct = [], part = [], byLevel = {};
      place[2].forEach(function (k) {
        var e = shard.deputies[k];
        if (e.direct) direct.push([k, ""]);
        else (byLevel[e.level] = byLevel[e.level] || []).push([k, ""]);
      });
      if (isUnit) shard.part.forEach(function (x) { part.push([x[0], "只覆盖：" + x[1].join("、")]); });

      if (shard.places.length > 1) {
        // a township covers villages with deputies of their own: ask for the village (and
        // keep the choice on a village's result, to switch to a neighbour)
        var lab = el("label", { "for": "ds-finder-place" }, isUnit ? "选择您的村或社区，只看代表您的：" : "换一个村或社区：");
        var sel = el("select", { id: "ds-finder-place" });
        sel.appendChild(el("option", { value: "0" }, "整个" + shard.name));
        shard.places.slice(1).forEach(function (pl, j) {
          sel.appendChild(el("option", { value: String(j + 1) }, pl[0]));
        });
        sel.addEventListener("change", function () {
          var j = Number(sel.value);
          var target = -1;
          rows.forEach(function (r, i) { if (r[3] === rows[row][3] && r[4] === j) target = i; });
          if (target >= 0) pick(target, [], "select");
        });
        sel.value = String(p);
        var pw = el("div", { "class": "ds-finder__place" });
        pw.appendChild(lab); pw.appendChild(sel);
        out.appendChild(pw);
      }

      var nDirect = direct.length;
      var sec = el("section", { "class": "ds-finder__direct", "aria-labelledby": "ds-finder-direct" });
      sec.appendChild(el("h4", { id: "ds-finder-direct" }, "您直接选举的代表（" + nDirect + " 位）"));
      sec.appendChild(el("p", { "class": "ds-finder__note" }, "乡镇和县人大代表由选民直接选举，可以到联络站找他们反映意见。"));
      if (direct.length) sec.appendChild(list(shard, direct));
      else if (!part.length) sec.appendChild(el("p", null, "没有找到覆盖这里的在任乡镇、县人大代表记录。"));
      else sec.appendChild(el("p", null, "请在上面选择您的村或社区。"));
      if (part.length) {
        // elected in some villages only: folded until the voter names their village
        var pd = el("details", { "class": "ds-finder__fold" });
        pd.appendChild(el("summary", null, "只覆盖" + shard.name + "部分村、社区的代表 " + part.length + " 位"));
        pd.appendChild(list(shard, part));
        sec.appendChild(pd);
      }
      out.appendChild(sec);

      var nIndirect = 0;
      LEVEL_ORDER.forEach(function (lv) {
        var items = byLevel[lv];
        if (!items) return;
        nIndirect += items.length;
        var first = shard.deputies[items[0][0]];
        var d = el("details", { "class": "ds-finder__fold" });
        var by = first.electing_unit && items.every(function (x) { return shard.deputies[x[0]].constituency === first.constituency; })
          ? "，由" + first.constituency + "选举" : "，间接选举";
        d.appendChild(el("summary", null, first.level_zh + " " + items.length + " 位" + by));
        d.appendChild(list(shard, items));
        out.appendChild(d);
      });

      if (others.length) {
        out.appendChild(el("h4", null, "名称相近的地方"));
        out.appendChild(choiceList(others));
      }
      status.textContent = !nDirect && part.length
        ? place[0] + "：各村、社区选出的代表不同，请选择您的村或社区。"
        : place[0] + "：直接选举的代表 " + nDirect + " 位" +
          (part.length ? "，只覆盖部分村、社区的 " + part.length + " 位" : "") +
          (nIndirect ? "，另有市、省、全国人大代表 " + nIndirect + " 位" : "") + "。";
    }

    form.addEventListener("submit", function (ev) { ev.preventDefault(); run(input.value); });
    // fetch the small index as soon as someone starts, not with the page
    input.addEventListener("focus", function () { loadIndex().catch(function () {}); }, { once: true });
    var browse = box.querySelector("[data-finder-browse]");
    if (browse) {
      browse.hidden = false;
      browse.addEventListener("click", function () { loadIndex().then(function () { listUnits(-1); }); });
    }
    var q = new URLSearchParams(location.search).get("q");
    if (q && box.hasAttribute("data-finder-query")) { input.value = q; run(q); }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
