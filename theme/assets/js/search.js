/* Site search: reads the sharded bigram index written by generator/search (format in
   docs/search.md). No libraries, nothing from other hosts. The pure query code (normalize …
   createEngine) also runs in node for tests/test_search_quality.py; the UI part runs only in
   a browser, on the page that has #search-app. Data is put into the DOM with textContent. */
(function () {
  "use strict";

  var F_TITLE = 1, F_PERSON = 2, F_PLACES = 4, F_TEXT = 8, F_START = 16, F_END = 32, F_PSTART = 64, F_PEND = 128;
  var DOTS = /[\u00b7\u2022\u30fb\u2027\uff65\u2219\u22c5]/g;
  var SEG = /[\p{L}\p{N}]+/gu;
  var KIND_PRIOR = { deputy: 1.3, area: 1.4, station: 1.15, group: 1.15, suggestion: 1, report: 1, page: 0.8 };
  // Bounds on what one search downloads (docs/search.md): posting shards per query, and
  // candidates whose metadata and text are fetched for the phrase check per results page.
  var MAX_SHARDS = 10, CHECK_FACTOR = 2;
  var KIND_ZH = { deputy: "代表", area: "地区", report: "履职报告", group: "代表小组", station: "联络站",
                  suggestion: "议案建议", page: "页面" };

  // Must match generator/search/__init__.py `normalize` and `segments`.
  function normalize(s) {
    return String(s).normalize("NFKC").toLowerCase().replace(DOTS, "");
  }
  function segments(s) {
    return normalize(s).match(SEG) || [];
  }
  function chars(s) { return Array.from(s); }
  function bigrams(seg) {
    var c = chars(seg), out = [];
    for (var i = 0; i + 1 < c.length; i++) out.push(c[i] + c[i + 1]);
    return out;
  }
  var enc = new TextEncoder(), dec = new TextDecoder();
  function fnv1a(term) {
    var b = enc.encode(term), h = 0x811c9dc5;
    for (var i = 0; i < b.length; i++) { h ^= b[i]; h = Math.imul(h, 0x01000193) >>> 0; }
    return h >>> 0;
  }
  // Same weights as generator/search `impact`.
  function fieldWeight(bits, tf) {
    var w = bits & F_TITLE ? 10 : bits & F_PERSON ? 7 : bits & F_PLACES ? 5 : 0;
    if (bits & F_TEXT) w += 1 + 0.5 * Math.log(Math.max(tf, 1));
    return w;
  }

  /* A shard: varint nterms, then per term: varint len, utf-8 term, varint df, byte truncated,
     varint npostings, varint blocklen, block of (varint doc delta, byte bits, [varint tf]). */
  function parseShard(buf) {
    var b = new Uint8Array(buf), p = 0, dir = new Map();
    function vi() { var n = 0, s = 0, x; do { x = b[p++]; n += (x & 0x7f) * Math.pow(2, s); s += 7; } while (x & 0x80); return n; }
    var nt = vi();
    for (var i = 0; i < nt; i++) {
      var l = vi(), term = dec.decode(b.subarray(p, p + l)); p += l;
      var df = vi(), tr = b[p++], n = vi(), bl = vi();
      dir.set(term, { df: df, truncated: tr === 1, n: n, bytes: b.subarray(p, p + bl), list: null });
      p += bl;
    }
    return dir;
  }
  function decodePostings(e) {
    if (e.list) return e.list;
    var b = e.bytes, p = 0, doc = 0;
    var docs = new Int32Array(e.n), bits = new Uint8Array(e.n), tf = new Uint8Array(e.n);
    function vi() { var n = 0, s = 0, x; do { x = b[p++]; n += (x & 0x7f) * Math.pow(2, s); s += 7; } while (x & 0x80); return n; }
    for (var i = 0; i < e.n; i++) {
      doc += vi(); docs[i] = doc; bits[i] = b[p++];
      tf[i] = bits[i] & F_TEXT ? vi() : 0;
    }
    e.list = { docs: docs, bits: bits, tf: tf };
    return e.list;
  }

  /* The query: segments (runs of letters/digits), each a phrase; one-character segments are
     looked up as unigrams (indexed for titles, names and places only). */
  function parseQuery(q) {
    return segments(q).map(function (seg) {
      var c = chars(seg);
      var terms = c.length === 1 ? [seg] : Array.from(new Set(bigrams(seg)));
      return { seg: seg, terms: terms, ordered: c.length === 1 ? [seg] : bigrams(seg) };
    });
  }

  // Maps normalized text back to the original, so highlights land on what the reader sees.
  function normMap(s) {
    var norm = "", from = [], to = [], i = 0;
    for (var ch of String(s)) {
      var n = ch.normalize("NFKC").toLowerCase().replace(DOTS, "");
      for (var k = 0; k < n.length; k++) { from.push(i); to.push(i + ch.length); }
      norm += n; i += ch.length;
    }
    return { norm: norm, from: from, to: to };
  }

  /* Excerpt around the first match of the longest segment; marks = [[start, end)] in the
     returned text. */
  function excerpt(text, segs, width) {
    width = width || 90;
    var m = normMap(text), best = -1, blen = 0;
    segs.slice().sort(function (a, b) { return b.length - a.length; }).some(function (s) {
      var at = m.norm.indexOf(s);
      if (at >= 0) { best = at; blen = s.length; return true; }
      return false;
    });
    var start = 0;
    if (best >= 0) {
      start = Math.max(0, m.from[best] - Math.floor((width - blen) / 3));
    }
    var end = Math.min(text.length, start + width);
    var piece = text.slice(start, end), marks = [];
    segs.forEach(function (s) {
      if (!s) return;
      var at = m.norm.indexOf(s);
      while (at >= 0) {
        var a = m.from[at], z = m.to[at + s.length - 1];
        if (a >= start && z <= end) marks.push([a - start, z - start]);
        at = m.norm.indexOf(s, at + s.length);
      }
    });
    marks.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var merged = [];
    marks.forEach(function (mk) {
      var last = merged[merged.length - 1];
      if (last && mk[0] <= last[1]) last[1] = Math.max(last[1], mk[1]); else merged.push(mk.slice());
    });
    return { text: piece, marks: merged, before: start > 0, after: end < text.length };
  }

  /* loader: { json(path) → Promise<object>, bin(path) → Promise<ArrayBuffer> }, paths relative
     to the index folder (".../search/idx/"). */
  function createEngine(loader) {
    var manifest = null, shards = new Map(), metas = new Map(), texts = new Map();
    function getManifest() {
      if (!manifest) manifest = loader.json("manifest.json");
      return manifest;
    }
    function v(man) { return "?v=" + man.version; }
    function shard(man, i) {
      if (!shards.has(i)) shards.set(i, loader.bin("s/" + i + ".bin" + v(man)).then(parseShard));
      return shards.get(i);
    }
    function metaChunk(man, c) {
      if (!metas.has(c)) metas.set(c, loader.json("m/" + c + ".json" + v(man)));
      return metas.get(c);
    }
    function textChunk(man, c) {
      if (!texts.has(c)) texts.set(c, loader.json("t/" + c + ".json" + v(man)));
      return texts.get(c);
    }
    function kindOf(man, id) {
      for (var k in man.kinds) { var r = man.kinds[k]; if (id >= r[0] && id < r[1]) return k; }
      return "page";
    }

    // Rank every matching doc id; no metadata needed yet. At most MAX_SHARDS shards are
    // fetched, whatever the query's length (see budget).
    function rank(query) {
      var segs = parseQuery(query);
      if (!segs.length) return Promise.resolve({ segs: segs, ids: [], partial: false });
      return getManifest().then(function (man) {
        var rsegs = budget(segs, man);
        var all = [];
        rsegs.forEach(function (s) { s.terms.forEach(function (t) { all.push(t); }); });
        var need = Array.from(new Set(all.map(function (t) { return fnv1a(t) % man.shards; })));
        return Promise.all(need.map(function (i) { return shard(man, i).then(function (d) { return [i, d]; }); }))
          .then(function (pairs) {
            var dirs = new Map(pairs);
            function entry(t) { return dirs.get(fnv1a(t) % man.shards).get(t) || null; }
            var res = score(man, rsegs, entry, false);
            if (!res.length) {
              res = score(man, rsegs, entry, true);
              return { segs: segs, ids: res, partial: res.length > 0, man: man };
            }
            return { segs: segs, ids: res, partial: false, man: man };
          });
      });
    }

    /* A long query would fetch one shard per bigram. Above MAX_SHARDS, a segment is looked
       up by bigrams that still cover every character (1st, 3rd, … and the last), then by its
       first and last bigram only, then later segments are left to the phrase check. The
       first and last bigrams stay, so exact-title and whole-place bonuses still apply. */
    function budget(segs, man) {
      function nshards(list) {
        var set = new Set();
        list.forEach(function (s) { s.terms.forEach(function (t) { set.add(fnv1a(t) % man.shards); }); });
        return set.size;
      }
      if (nshards(segs) <= MAX_SHARDS) return segs;
      function thin(s, keep) {
        if (s.ordered.length <= 2) return s;
        var o = s.ordered, terms = o.filter(function (t, i) { return keep(i, o.length); });
        return { seg: s.seg, terms: Array.from(new Set(terms)), ordered: o };
      }
      var cover = segs.map(function (s) {
        return thin(s, function (i, n) { return i % 2 === 0 || i === n - 1; });
      });
      if (nshards(cover) <= MAX_SHARDS) return cover;
      var ends = segs.map(function (s) {
        return thin(s, function (i, n) { return i === 0 || i === n - 1; });
      });
      var out = [];
      for (var i = 0; i < ends.length; i++) {
        if (out.length && nshards(out.concat([ends[i]])) > MAX_SHARDS) break;
        out.push(ends[i]);
      }
      return out;
    }

    function score(man, segs, entry, relaxed) {
      var N = man.docs, total = null;
      for (var si = 0; si < segs.length; si++) {
        var s = segs[si], per = new Map(), nreq = 0, nterms = s.terms.length;
        for (var ti = 0; ti < nterms; ti++) {
          var t = s.terms[ti], e = entry(t);
          if (!e) continue;
          if (!e.truncated) nreq++;
          var L = decodePostings(e), idf = Math.log(1 + N / e.df);
          var isFirst = t === s.ordered[0], isLast = t === s.ordered[s.ordered.length - 1];
          for (var j = 0; j < L.docs.length; j++) {
            var d = L.docs[j], bits = L.bits[j], x = per.get(d);
            if (!x) { x = { score: 0, hits: 0, req: 0, title: 0, person: 0, places: 0, start: false, end: false, pstart: false, pend: false }; per.set(d, x); }
            x.hits++; if (!e.truncated) x.req++;
            x.score += idf * fieldWeight(bits, L.tf[j]);
            if (bits & F_TITLE) x.title++;
            if (bits & F_PERSON) x.person++;
            if (bits & F_PLACES) x.places++;
            if (isFirst && (bits & F_PSTART)) x.pstart = true;
            if (isLast && (bits & F_PEND)) x.pend = true;
            if (isFirst && (bits & F_START)) x.start = true;
            if (isLast && (bits & F_END)) x.end = true;
          }
        }
        var next = new Map(), complete = allPresent(s, entry);
        per.forEach(function (x, d) {
          // strict: every term known and the doc in every complete (untruncated) list
          var ok = relaxed ? nterms >= 3 && x.hits >= Math.ceil(nterms * 2 / 3)
                           : complete && (nreq > 0 ? x.req === nreq : x.hits > 0);
          if (!ok || (total && !total.has(d))) return;
          var sc = x.score;
          if (x.title === nterms) { sc *= 2; if (x.start && x.end) sc *= 3; }
          else if (x.person === nterms) sc *= 1.5;
          if (x.places === nterms && x.pstart && x.pend) sc *= 2;  // a whole place name
          next.set(d, (total ? total.get(d) : 0) + sc);
        });
        total = next;
        if (!total.size) break;
      }
      var ids = [];
      total.forEach(function (sc, d) { ids.push([d, sc * (KIND_PRIOR[kindOf(man, d)] || 1)]); });
      ids.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
      return ids.map(function (x) { return x[0]; });
    }
    function allPresent(s, entry) {
      return s.terms.every(function (t) { return !!entry(t); });
    }

    // Metadata and text of one doc id, with the phrase check against the stored text.
    function load(man, id) {
      return metaChunk(man, Math.floor(id / man.meta_chunk)).then(function (rows) {
        var r = rows[id % man.meta_chunk];
        return textChunk(man, r[5]).then(function (tc) {
          return { id: id, kind: r[0], title: r[1], person: r[2], date: r[3], url: r[4],
                   text: tc[String(id)] || "", truncated: r[6] === 1 };
        });
      });
    }
    function verified(doc, segs) {
      var hay = [doc.title, doc.person, doc.text].map(function (x) { return segments(x).join("\u0001"); }).join("\u0001");
      return segs.every(function (s) { return hay.indexOf(s.seg) >= 0; }) || doc.truncated;
    }

    /* search(query, {offset, limit}) → {total, results, partial, more, exact}. Results are
       checked for the exact phrase against the stored text; a candidate that fails is dropped.
       At most CHECK_FACTOR × (offset + limit) candidates are checked per call, so a query
       whose best candidates mostly fail stops early (more: true, the reader asks for more);
       total then counts the unchecked candidates too (exact: false). */
    function search(query, opts) {
      opts = opts || {};
      var limit = opts.limit || 10, offset = opts.offset || 0;
      var maxCheck = CHECK_FACTOR * (offset + limit);
      return rank(query).then(function (r) {
        if (!r.ids.length) return { total: 0, results: [], partial: false, segs: r.segs, more: false, exact: true };
        var man = r.man, segsN = r.segs.map(function (s) { return s.seg; });
        var out = [], dropped = 0, pos = 0, skip = offset;
        function step() {
          if (out.length >= limit || pos >= r.ids.length || pos >= maxCheck) {
            return { total: r.ids.length - dropped, results: out, partial: r.partial, segs: r.segs,
                     more: pos < r.ids.length, exact: pos >= r.ids.length };
          }
          var batch = r.ids.slice(pos, Math.min(pos + Math.max(limit - out.length, 4), maxCheck));
          pos += batch.length;
          return Promise.all(batch.map(function (id) { return load(man, id); })).then(function (docs) {
            docs.forEach(function (doc) {
              if (!r.partial && !verified(doc, r.segs)) { dropped++; return; }
              if (skip > 0) { skip--; return; }
              if (out.length >= limit) { pos--; return; }
              var src = doc.text || doc.title;
              doc.kindZh = KIND_ZH[doc.kind] || KIND_ZH.page;
              doc.excerpt = excerpt(src, segsN);
              doc.titleMarks = excerpt(doc.title, segsN, 1000).marks;
              out.push(doc);
            });
            return step();
          });
        }
        return step();
      });
    }
    return { search: search, rank: rank, manifest: getManifest };
  }

  var api = { normalize: normalize, segments: segments, bigrams: bigrams, fnv1a: fnv1a,
              parseShard: parseShard, parseQuery: parseQuery, excerpt: excerpt,
              createEngine: createEngine, KIND_ZH: KIND_ZH };
  if (typeof module === "object" && module.exports) module.exports = api;
  if (typeof window !== "undefined") window.DeputySearch = api;
  if (typeof document === "undefined") return;

  // ---------------------------------------------------------------- browser UI
  function fetchLoader(base) {
    function get(path) {
      return fetch(base + path, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " " + path);
        return r;
      });
    }
    return {
      json: function (p) { return get(p).then(function (r) { return r.json(); }); },
      bin: function (p) { return get(p).then(function (r) { return r.arrayBuffer(); }); }
    };
  }

  function appendMarked(el, text, marks) {
    var at = 0;
    (marks || []).forEach(function (mk) {
      if (mk[0] > at) el.appendChild(document.createTextNode(text.slice(at, mk[0])));
      var m = document.createElement("mark");
      m.textContent = text.slice(mk[0], mk[1]);
      el.appendChild(m);
      at = mk[1];
    });
    if (at < text.length) el.appendChild(document.createTextNode(text.slice(at)));
  }

  function init() {
    var app = document.getElementById("search-app");
    if (!app) return;
    var root = app.getAttribute("data-root") || "../";
    var engine = createEngine(fetchLoader(root + "search/idx/"));
    var form = app.querySelector("form"), input = app.querySelector("input[name=q]");
    var status = app.querySelector("[data-search-status]"), list = app.querySelector("[data-search-results]");
    var moreBtn = app.querySelector("[data-search-more]");
    var seq = 0, timer = null, shown = 0, current = "";

    function render(res, append) {
      if (!append) { list.textContent = ""; shown = 0; }
      res.results.forEach(function (doc) {
        var li = document.createElement("li");
        li.className = "ds-result ds-result--" + doc.kind;
        var h = document.createElement("h3");
        var a = document.createElement("a");
        a.href = root + doc.url;
        appendMarked(a, doc.title, doc.titleMarks);
        h.appendChild(a);
        li.appendChild(h);
        var meta = document.createElement("p");
        meta.className = "ds-result__meta";
        var kind = document.createElement("span");
        kind.className = "ds-result__kind";
        kind.textContent = doc.kindZh;
        meta.appendChild(kind);
        [doc.person, doc.date].forEach(function (v) {
          if (!v) return;
          var s = document.createElement("span");
          s.textContent = v;
          meta.appendChild(s);
        });
        li.appendChild(meta);
        if (doc.excerpt.text) {
          var p = document.createElement("p");
          p.className = "ds-result__excerpt";
          if (doc.excerpt.before) p.appendChild(document.createTextNode("…"));
          appendMarked(p, doc.excerpt.text, doc.excerpt.marks);
          if (doc.excerpt.after) p.appendChild(document.createTextNode("…"));
          li.appendChild(p);
        }
        list.appendChild(li);
        shown++;
      });
      if (!res.total) status.textContent = "没有找到与“" + current + "”相关的结果。";
      else if (!shown && res.more) status.textContent = "已核对的结果中没有完全匹配“" + current + "”的，可点“显示更多结果”继续查找。";
      else status.textContent = (res.partial ? "没有完全匹配的结果，以下为部分匹配：" : "") +
        "找到" + (res.exact ? " " : "约 ") + res.total + " 条结果" + (shown < res.total ? "，显示前 " + shown + " 条" : "") + "。";
      moreBtn.hidden = !res.more;
    }

    function run(q, append) {
      current = q.trim();
      var my = ++seq;
      if (!current) { list.textContent = ""; status.textContent = "请输入关键词。"; moreBtn.hidden = true; return; }
      if (!append) status.textContent = "正在搜索…";
      engine.search(current, { offset: append ? shown : 0, limit: 10 }).then(function (res) {
        if (my === seq) render(res, append);
      }).catch(function () {
        if (my === seq) status.textContent = "搜索暂时不可用，请稍后再试。";
      });
    }
    function syncUrl(q) {
      var u = new URL(window.location.href);
      if (q) u.searchParams.set("q", q); else u.searchParams.delete("q");
      window.history.replaceState(null, "", u.toString());
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { syncUrl(input.value.trim()); run(input.value); }, 250);
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearTimeout(timer);
      syncUrl(input.value.trim());
      run(input.value);
    });
    moreBtn.addEventListener("click", function () { run(input.value, true); });
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) { input.value = q; run(q); }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
