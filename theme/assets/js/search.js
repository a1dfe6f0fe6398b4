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
  var MAX_SHARDS = 10, CHECK_FACTOR = 2, MAX_WINDOWS = 3;
  // The index layout this reader decodes (generator/search FORMAT_VERSION): a manifest of
  // another format (a cached one, across a site update) fails the search instead of misreading.
  var FORMAT = 2;
  // Weight of a match through a synonym or a name with one wrong character; pinyin names
  // found per Latin segment (a few, so their shards stay within MAX_SHARDS).
  var SYN_WEIGHT = 0.8, TYPO_WEIGHT = 0.3, MAX_PINYIN = 4;
  // Separates the characters of a name-pair term (generator/search PAIR, pair_terms); after it,
  // SOUND / SHAPE begin a similar-characters term (homophones / look-alikes, similar_terms).
  var PAIR = "\u0001", SOUND = "\u0003", SHAPE = "\u0004";
  // The label of a result's matching places, by kind (the places are what generator/search
  // stores before the body: a deputy's areas, constituencies, stations and groups …).
  var PLACES_ZH = { deputy: "地区、联络站和小组", report: "地点", station: "所在地", group: "所在地",
                    area: "地区", suggestion: "地区", page: "相关" };
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
     varint npostings, varint blocklen, block: n varint doc deltas, n bits bytes, then a
     varint tf for each posting whose bits have F_TEXT. */
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
    for (var i = 0; i < e.n; i++) { doc += vi(); docs[i] = doc; }
    bits.set(b.subarray(p, p + e.n)); p += e.n;
    for (var j = 0; j < e.n; j++) tf[j] = bits[j] & F_TEXT ? vi() : 0;
    e.list = { docs: docs, bits: bits, tf: tf };
    return e.list;
  }

  /* The query: segments (runs of letters/digits), each a phrase; one-character segments are
     looked up as unigrams (indexed for titles, names and places only). Each segment has
     alternatives (alts): itself first, then synonyms and pinyin names (see expand). */
  function altOf(seg, weight, how) {
    var c = chars(seg);
    var terms = c.length === 1 ? [seg] : Array.from(new Set(bigrams(seg)));
    return { seg: seg, terms: terms, ordered: c.length === 1 ? [seg] : bigrams(seg), weight: weight, how: how };
  }
  function parseQuery(q) {
    return segments(q).map(function (seg) {
      var a = altOf(seg, 1, "query");
      return { seg: seg, terms: a.terms, ordered: a.ordered, alts: [a] };
    });
  }
  function addAlt(s, seg, weight, how) {
    segments(seg).join("") === seg && seg && !s.alts.some(function (a) { return a.seg === seg; }) &&
      s.alts.push(altOf(seg, weight, how));
  }
  function withAlts(s, alts) {
    return { seg: s.seg, terms: alts[0].terms, ordered: alts[0].ordered, alts: alts };
  }

  // Maps normalized text back to the original, so highlights land on what the reader sees;
  // fold: traditional → simplified characters (a Map), as the index compares them.
  function normMap(s, fold) {
    var norm = "", from = [], to = [], i = 0;
    for (var ch of String(s)) {
      var n = ((fold && fold.get(ch)) || ch).normalize("NFKC").toLowerCase().replace(DOTS, "");
      for (var k = 0; k < n.length; k++) { from.push(i); to.push(i + ch.length); }
      norm += n; i += ch.length;
    }
    return { norm: norm, from: from, to: to };
  }

  /* Excerpt around the first match of the longest segment; marks = [[start, end)] in the
     returned text. */
  function excerpt(text, segs, width, fold) {
    width = width || 90;
    var m = normMap(text, fold), best = -1, blen = 0;
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

  /* loader: { json(path, fresh) → Promise<object>, bin(path) → Promise<ArrayBuffer> }, paths relative
     to the index folder (".../search/idx/"). */
  function createEngine(loader) {
    var manifest = null, shards = new Map(), texts = new Map();
    var session = null, latest = null, folds = new WeakMap(), eager = false;
    function getManifest() {
      // fresh: every other file's address carries the manifest's version, so only the manifest
      // may be stale; a kept copy is checked with the server (a 304 when unchanged), or after an
      // update an old manifest would number the new files (wrong results until it is dropped)
      if (!manifest) manifest = loader.json("manifest.json", true).then(function (m) {
        if (m.format !== FORMAT) { manifest = null; throw new Error("search index format " + m.format); }
        return m;
      });
      return manifest;
    }
    function v(man) { return "?v=" + man.version; }
    // i: a shard number, or "p" + a number for a pinyin shard (p/<n>.bin, see pyShard)
    function shard(man, i) {
      var path = typeof i === "number" ? "s/" + i : "p/" + i.slice(1);
      if (!shards.has(i)) shards.set(i, loader.bin(path + ".bin" + v(man)).then(parseShard));
      return shards.get(i);
    }
    function textChunk(man, c) {
      if (!texts.has(c)) texts.set(c, loader.json("t/" + c + ".json" + v(man)));
      return texts.get(c);
    }
    // The shard of one character: its unigram, the two-character names it begins or ends
    // (name-pair terms) and the characters it may stand for (generator/search shard_of).
    function charShard(man, ch) { return fnv1a(ch) % man.shards; }
    function kindOf(man, id) {
      for (var k in man.kinds) { var r = man.kinds[k]; if (id >= r[0] && id < r[1]) return k; }
      return "page";
    }

    /* Traditional → simplified (OpenCC's table, docs/search.md): the manifest's t2s holds
       pairs (traditional, simplified) for the characters whose simplified form the index uses;
       the index itself has the data's traditional characters simplified, so a query and a
       page's text are compared in simplified form (fold), and results show what pages write. */
    function foldMap(man) {
      if (!folds.has(man)) {
        var m = new Map(), c = chars(man.t2s || "");
        for (var i = 0; i + 1 < c.length; i += 2) m.set(c[i], c[i + 1]);
        folds.set(man, m);
      }
      return folds.get(man);
    }
    function toSimplified(man, q) {
      var m = foldMap(man);
      return m.size ? chars(q).map(function (ch) { return m.get(ch) || ch; }).join("") : q;
    }
    /* Alternatives of each query segment: synonyms from the data package's search_synonyms
       table (in the manifest). Pinyin names come with the shards (see pinyinNames). */
    function expand(man, segs) {
      var syn = man.syn || {};
      segs.forEach(function (s) {
        Object.keys(syn).forEach(function (k) {
          if (s.seg.indexOf(k) < 0) return;
          syn[k].forEach(function (rep) { addAlt(s, s.seg.split(k).join(rep), SYN_WEIGHT, "synonym"); });
        });
      });
      return segs;
    }

    /* Pinyin (full or initials: liaoxuexin, lxx). A Latin segment whose first two letters
       begin a key (manifest py) is looked up in the pinyin shard (p/<n>.bin, manifest pshards)
       of its letters + PAIR, which lists the names the key means (a term letters PAIR U+0002
       names) and repeats their terms' entries (letters PAIR term): one shard, fetched with the
       others (the other queries' shards do not carry them), and the names' postings
       are there, so a pinyin query waits for two rounds like any other (generator/search
       _pinyin_blocks). */
    function pyable(man, seg) {
      return /^[a-z]{2,}$/.test(seg) && man.pshards > 0 && (man.py || "").split(" ").indexOf(seg.slice(0, 2)) >= 0;
    }
    function pyShard(man, key) { return "p" + (fnv1a(key + PAIR) % man.pshards); }
    function namesOf(man, dirs, key) {
      var d = dirs.get(pyShard(man, key)), head = key + PAIR + "\u0002", out = null;
      if (d) d.forEach(function (e, term) { if (term.indexOf(head) === 0) out = term.slice(head.length).split("\u0002"); });
      return out;
    }
    // Pinyin typed with spaces (liao xue xin, tang pu): every segment Latin letters; when the
    // letters together are a pinyin key, they are one segment (see pinyinNames).
    function joinable(man, segs) {
      var joined = segs.map(function (s) { return s.seg; }).join("");
      return segs.length >= 2 && /^[a-z]+$/.test(joined) && pyable(man, joined) ? joined : "";
    }
    /* After the first round: the names of each pinyin segment become its alternatives, in
       place of the letters as typed (whose bigrams lo, on, ng … would cost a shard each for
       pages that hardly ever write pinyin); their terms' entries (over) come from the key's
       shard. Letters that are no key are looked up as typed: their shards are one more round
       (rare: Latin text whose first two letters begin a key). */
    function pinyinNames(man, pl, dirs) {
      var over = new Map(), rest = [];
      if (pl.joined && namesOf(man, dirs, pl.joined)) pl.segs = pl.rsegs = expand(man, parseQuery(pl.joined));
      var list = pl.segs.concat(pl.rsegs.filter(function (s) { return pl.segs.indexOf(s) < 0; }));
      list.forEach(function (s) {
        if (!pyable(man, s.seg)) return;
        var names = namesOf(man, dirs, s.seg), d = dirs.get(pyShard(man, s.seg));
        if (!names) { rest.push(s); return; }
        names.slice(0, MAX_PINYIN).forEach(function (name) { addAlt(s, normalize(name), 1, "pinyin"); });
        if (s.alts.length > 1 && s.alts[0].how === "query") { s.alts.shift(); s.terms = s.alts[0].terms; s.ordered = s.alts[0].ordered; }
        s.alts.forEach(function (a) {
          a.terms.forEach(function (t) { var e = d.get(s.seg + PAIR + t); if (e && !over.has(t)) over.set(t, e); });
        });
      });
      var need = shardsOf(man, rest).filter(function (i) { return !dirs.has(i); });
      if (!need.length) return Promise.resolve(over);
      return loadShards(man, need).then(function (more) {
        more.forEach(function (d, i) { dirs.set(i, d); });
        return over;
      });
    }

    /* The query after conversion and synonyms, and every file its first round needs: the
       budgeted terms' shards (a pinyin segment's: its key's shard instead), plus, for a Han
       segment that may be a misspelt name, its single characters' shards (each of 3; the first
       and the last of 4, see typoCandidates; both of 2 when a name begins or ends like it, see
       pairCandidates), which also say what a character may stand for (similarOf). Nothing else
       is fetched before the results' chunks. */
    function plan(man, query) {
      var segs = parseQuery(toSimplified(man, query));
      if (!segs.length) return Promise.resolve({ segs: segs, rsegs: [], need: [], joined: "" });
      expand(man, segs);
      var joined = joinable(man, segs);
      return Promise.resolve().then(function () {
        var rsegs = budget(segs, man);
        var need = new Set(shardsOf(man, rsegs.filter(function (s) { return !pyable(man, s.seg); })));
        if (joined) need.add(pyShard(man, joined));
        rsegs.forEach(function (s) {
          if (pyable(man, s.seg)) need.add(pyShard(man, s.seg));
          var n = typoLen(s), c = chars(s.seg);
          // typoCandidates reads single characters' postings only at the ends (the first and the
          // last); a 3-character name's middle one also says what it may stand for (similarOf).
          // A 4-character segment's middle ones are left out: 3 bigrams and 4 characters were 7
          // files, one more than a phone opens at once over HTTP/1.1 (a third round on Slow 3G).
          if (n >= 3) c.forEach(function (x, i) { if (n === 3 || i === 0 || i === n - 1) need.add(charShard(man, x)); });
          // a name someone may have misspelt: its first or its last character is right (manifest
          // pairs: the first and last characters of the two-character names)
          if (n === 2 && man.pairs && (man.pairs[0].indexOf(c[0]) >= 0 || man.pairs[1].indexOf(c[1]) >= 0)) {
            s.pairs = true;
            need.add(charShard(man, c[0]));
            need.add(charShard(man, c[1]));
          }
        });
        return { segs: segs, rsegs: rsegs, need: Array.from(need), joined: joined };
      });
    }
    // A Han segment of 2 to 4 characters (a name someone may have misspelt): its length, else 0.
    function typoLen(s) {
      var n = chars(s.seg).length;
      return n >= 2 && n <= 4 && /^\p{Script=Han}+$/u.test(s.seg) ? n : 0;
    }

    // Rank every matching doc id: one round of shards (see plan), no metadata needed yet.
    function rank(query) {
      return getManifest().then(function (man) {
        return plan(man, query).then(function (pl) {
          if (!pl.segs.length) return { segs: pl.segs, ids: [], info: new Map(), man: man };
          return loadShards(man, pl.need).then(function (dirs) {
            return pinyinNames(man, pl, dirs).then(function (over) { return [dirs, over]; });
          }).then(function (got) {
            var dirs = got[0], over = got[1], segs = pl.segs, rsegs = pl.rsegs;
            function entry(t) { var d = dirs.get(fnv1a(t) % man.shards); return over.get(t) || (d && d.get(t)) || null; }
            function pairs(ch) { return dirs.get(charShard(man, ch)) || new Map(); }
            var similar = similarOf(man, dirs, rsegs);
            var res = score(man, rsegs, entry, pairs, similar);
            var r = finish(man, segs, res);
            r.similar = similar;
            return r;
          });
        });
      });
    }

    /* While the query is typed (before Enter): the manifest, and the shards of the words of
       Han text typed so far (its bigrams
       only grow as more is typed). Not what only a misspelt name needs (single characters'
       shards): 王学 on the way to 王学学 would fetch them for nothing, and over
       HTTP/1.1 a seventh request waits for one of six connections, a round trip more; except
       when the server multiplexes (HTTP/2: setEager), where the whole first round is fetched
       as the text grows. Only for the latest text. */
    function prefetch(query) {
      latest = query;
      return getManifest().then(function (man) {
        if (latest !== query) return null;
        if (eager) {
          return plan(man, query).then(function (pl) {
            if (latest !== query || pl.segs.some(function (s) { return /[a-z]/.test(s.seg); })) return null;
            return loadShards(man, pl.need);
          });
        }
        var xs = expand(man, parseQuery(toSimplified(man, query)));
        // Latin letters typed so far are other pinyin keys at every letter (l, lo, lon…), a
        // shard each: their key's shard after Enter
        if (xs.some(function (s) { return /[a-z]/.test(s.seg); })) return null;
        return loadShards(man, shardsOf(man, budget(xs, man)));
      }).catch(function () { return null; });
    }
    /* What each character of a segment that may be a misspelt name may stand for, from its
       own shard (fetched in the first round, see plan): character → {sound: its homophones,
       shape: its look-alikes}, both among the site's names' characters (generator/search
       similar_terms: a term ch PAIR SOUND characters, ch PAIR SHAPE characters). */
    function similarOf(man, dirs, segs) {
      var out = new Map();
      segs.forEach(function (s) {
        if (!typoLen(s)) return;
        chars(s.seg).forEach(function (ch) {
          var d = dirs.get(charShard(man, ch));
          if (out.has(ch) || !d) return;
          var x = { sound: "", shape: "" }, head = ch + PAIR;
          d.forEach(function (e, term) {
            if (term.indexOf(head) !== 0) return;
            if (term[head.length] === SOUND) x.sound = term.slice(head.length + 1);
            else if (term[head.length] === SHAPE) x.shape = term.slice(head.length + 1);
          });
          out.set(ch, x);
        });
      });
      return out;
    }
    function finish(man, segs, res) {
      return { segs: segs, ids: res.ids, info: res.info, man: man, similar: new Map() };
    }
    function shardsOf(man, segs) {
      var set = new Set();
      segs.forEach(function (s) { s.alts.forEach(function (a) { a.terms.forEach(function (t) { set.add(fnv1a(t) % man.shards); }); }); });
      return Array.from(set);
    }
    function loadShards(man, need) {
      return Promise.all(need.map(function (i) { return shard(man, i).then(function (d) { return [i, d]; }); }))
        .then(function (pairs) { return new Map(pairs); });
    }

    /* A long query would fetch one shard per bigram. Alternatives (synonyms, pinyin names)
       are dropped first, last one first. Then above MAX_SHARDS, a segment is looked up by
       bigrams that still cover every character (1st, 3rd, … and the last), then by its first
       and last bigram only, then later segments are left to the phrase check. The first and
       last bigrams stay, so exact-title and whole-place bonuses still apply. */
    function budget(segs, man) {
      function nshards(list) { return shardsOf(man, list).length; }
      function only(list) { return list.map(function (s) { return withAlts(s, s.alts.slice(0, 1)); }); }
      if (nshards(segs) <= MAX_SHARDS) return segs;
      var base = only(segs);
      if (nshards(base) <= MAX_SHARDS) {
        // keep as many alternatives as fit, in order
        var out0 = base.map(function (s) { return withAlts(s, s.alts.slice()); });
        segs.forEach(function (s, i) {
          s.alts.slice(1).forEach(function (a) {
            out0[i].alts.push(a);
            if (nshards(out0) > MAX_SHARDS) out0[i].alts.pop();
          });
        });
        return out0;
      }
      function thin(s, keep) {
        var a = s.alts[0];
        if (a.ordered.length <= 2) return s;
        var o = a.ordered, terms = o.filter(function (t, i) { return keep(i, o.length); });
        return withAlts(s, [{ seg: a.seg, terms: Array.from(new Set(terms)), ordered: o, weight: a.weight, how: a.how }]);
      }
      var cover = base.map(function (s) {
        return thin(s, function (i, n) { return i % 2 === 0 || i === n - 1; });
      });
      if (nshards(cover) <= MAX_SHARDS) return cover;
      var ends = base.map(function (s) {
        return thin(s, function (i, n) { return i === 0 || i === n - 1; });
      });
      var out = [];
      for (var i = 0; i < ends.length; i++) {
        if (out.length && nshards(out.concat([ends[i]])) > MAX_SHARDS) break;
        out.push(ends[i]);
      }
      return out;
    }

    /* One alternative of one segment → Map(doc → {sc, full}). full: the doc has every term
       (never requiring a capped list's term); otherwise, with relaxed, it has at least two
       thirds of the terms (a place and a topic typed together: 仁洲村饮水). */
    function scoreAlt(N, a, entry, relaxed) {
      var per = new Map(), nreq = 0, nterms = a.terms.length, complete = true;
      for (var ti = 0; ti < nterms; ti++) {
        var t = a.terms[ti], e = entry(t);
        if (!e) { complete = false; continue; }
        if (!e.truncated) nreq++;
        var L = decodePostings(e), idf = Math.log(1 + N / e.df);
        var isFirst = t === a.ordered[0], isLast = t === a.ordered[a.ordered.length - 1];
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
      var out = new Map(), need = Math.ceil(nterms * 2 / 3);
      per.forEach(function (x, d) {
        var full = complete && (nreq > 0 ? x.req === nreq : x.hits > 0);
        if (!full && !(relaxed && nterms >= 2 && x.hits >= need)) return;
        var sc = x.score;
        if (x.title === nterms) { sc *= 2; if (x.start && x.end) sc *= 3; }
        else if (x.person === nterms) sc *= 1.5;
        else if (x.title >= 2) sc *= 1 + 0.8 * x.title / nterms;  // most of it in the title (铜塘镇第三小组)
        if (x.places === nterms && x.pstart && x.pend) sc *= 2;  // a whole place name
        if (!full) {
          if (x.title === x.hits) sc *= 2;  // what it has is all in the title
          sc *= (x.hits / nterms) * (x.hits / nterms);
        }
        out.set(d, { sc: sc * a.weight, full: full, name: x.title === nterms || x.person === nterms || x.places === nterms });
      });
      return out;
    }

    /* A name with one wrong character (廖学欣 for 廖学新): titles that have every other
       character in place, found by the bigrams (or single characters) left and right of
       the wrong one, anchored at the title's start and end. The phrase check then keeps
       titles of the same length that differ in one character only. */
    function typoCandidates(N, s, entry) {
      var c = chars(s.seg), n = c.length, out = new Map();
      for (var i = 0; i < n; i++) {
        var left = c.slice(0, i).join(""), right = c.slice(i + 1).join(""), parts = [];
        if (left) parts.push([left.length > 1 ? bigrams(left) : [left], F_START, 0]);
        if (right) { var rb = right.length > 1 ? bigrams(right) : [right]; parts.push([rb, F_END, rb.length - 1]); }
        var docs = null;
        parts.forEach(function (p) {
          p[0].forEach(function (t, k) {
            var e = entry(t), got = new Map();
            if (!e) { docs = new Map(); return; }
            var L = decodePostings(e), idf = Math.log(1 + N / e.df);
            var anchor = k === (p[1] === F_START ? 0 : p[2]), placeBit = p[1] === F_START ? F_PSTART : F_PEND;
            for (var j = 0; j < L.docs.length; j++) {
              var bits = L.bits[j];
              // in the title, anchored at its start/end; or a whole place name (棠浦镇 for 棠铺镇)
              var inTitle = (bits & F_TITLE) && (!anchor || (bits & p[1]));
              var inPlace = (bits & F_PLACES) && (!anchor || (bits & placeBit));
              if (!inTitle && !inPlace) continue;
              got.set(L.docs[j], idf * (inTitle ? 10 : 5));
            }
            if (docs === null) docs = got;
            else { var nx = new Map(); docs.forEach(function (sc, d) { if (got.has(d)) nx.set(d, sc + got.get(d)); }); docs = nx; }
          });
        });
        (docs || new Map()).forEach(function (sc, d) { if (!out.has(d) || out.get(d).sc < sc) out.set(d, { sc: sc * TYPO_WEIGHT, full: false, typo: true }); });
      }
      return out;
    }

    /* A two-character name typed with one wrong character (王墙 for 王强, 萧柏 for 肖柏, 肖伯 for
       肖柏): the shard of 王 lists every two-character name starting with 王 (a term 王 PAIR 强),
       the shard of 墙 every one ending with 墙 (PAIR 墙 PAIR 王); the names whose other character
       sounds like the one typed, or looks like it (similarOf: both from the same shards), are
       the candidates, look-alikes below homophones. */
    function pairCandidates(N, s, pairs, similar) {
      var c = chars(s.seg), out = new Map();
      [[c[0], c[0] + PAIR, c[1]], [c[1], PAIR + c[1] + PAIR, c[0]]].forEach(function (k) {
        pairs(k[0]).forEach(function (e, term) {
          var other = term.slice(k[1].length);  // (the shard's other terms: its unigram, similar characters)
          if (term.indexOf(k[1]) !== 0 || chars(other).length !== 1 || other === k[2]) return;
          var like = likeness(similar, other, k[2]);
          if (!like) return;
          var L = decodePostings(e), sc = Math.log(1 + N / e.df) * 20 * TYPO_WEIGHT * (like === 2 ? 1 : 0.8);
          for (var j = 0; j < L.docs.length; j++) {
            if (!out.has(L.docs[j])) out.set(L.docs[j], { sc: sc, full: false, typo: true });
          }
        });
      });
      return out;
    }

    /* Every segment must match (AND). A segment's score for a doc is its best alternative's.
       Docs matching every segment completely come first, then near matches, then names with
       one wrong character; by score within each. */
    function score(man, segs, entry, pairs, similar) {
      var N = man.docs, total = null;
      for (var si = 0; si < segs.length; si++) {
        var s = segs[si], best = new Map(), anyFull = false, anyName = false;
        var relaxed = s.alts[0].terms.length >= 3;
        function merge(m, ai) {
          m.forEach(function (x, d) {
            if (x.full) anyFull = true;
            if (x.full && x.name) anyName = true;
            var y = best.get(d);
            if (!y || (x.full && !y.full) || (x.full === y.full && x.sc > y.sc)) best.set(d, { sc: x.sc, full: x.full, typo: !!x.typo, alt: ai });
          });
        }
        s.alts.forEach(function (a, ai) { merge(scoreAlt(N, a, entry, relaxed), ai); });
        if (!anyFull && !relaxed) s.alts.forEach(function (a, ai) { merge(scoreAlt(N, a, entry, true), ai); });
        var nc = typoLen(s);
        if (!anyName && ((nc === 2 && s.pairs) || (nc >= 3 && (!anyFull || nc === 3)))) {
          s.wantTypo = true;
          merge(nc === 2 ? pairCandidates(N, s, pairs, similar) : typoCandidates(N, s, entry), -1);
        }
        var next = new Map();
        best.forEach(function (x, d) {
          if (total && !total.has(d)) return;
          var prev = total ? total.get(d) : { sc: 0, tier: 0, alts: [] };
          var tier = x.full ? 0 : x.typo ? 2 : 1;
          next.set(d, { sc: prev.sc + x.sc, tier: Math.max(prev.tier, tier), alts: prev.alts.concat([x.alt]) });
        });
        total = next;
        if (!total.size) break;
      }
      var ids = [];
      total.forEach(function (x, d) { ids.push([d, x.sc * (KIND_PRIOR[kindOf(man, d)] || 1), x.tier]); });
      ids.sort(function (a, b) { return (a[2] === 2) - (b[2] === 2) || b[1] - a[1] || a[0] - b[0]; });
      return { ids: ids.map(function (x) { return x[0]; }), info: total };
    }

    // Metadata and text of one doc id: one result chunk, computed from the id (manifest "text":
    // per kind, its first chunk and docs per chunk).
    function textChunkOf(man, id) {
      var k = kindOf(man, id), t = man.text[k];
      return t[0] + Math.floor((id - man.kinds[k][0]) / t[1]);
    }
    function load(man, id) {
      return textChunk(man, textChunkOf(man, id)).then(function (tc) {
        var r = tc[String(id)], text = r[6] || "", np = r[8] || 0, lines = text.split("\n");
        return { id: id, kind: r[0], title: r[1], person: r[2], date: r[3], url: r[4],
                 text: text, truncated: r[5] === 1, facts: r[7] || [],
                 places: lines.slice(0, np), body: lines.slice(np).join("\n") };
      });
    }

    /* The phrase check against the stored text, per segment: the phrase itself (or one of its
       alternatives) → exact; else the longest pieces of it that occur, covering at least two
       thirds of it (仁洲村 + 饮水) → near; else, for a name with one wrong character, a title
       of the same length that differs in one character → typo. Returns null when it fails. */
    function verify(man, doc, segs, info, similar) {
      function fold(x) { return toSimplified(man, x); }
      var facts = doc.facts.map(function (f) { return f[1]; }).join("\n");
      var hay = [doc.title, doc.person, doc.text, facts].map(function (x) { return segments(fold(x)).join("\u0001"); }).join("\u0001");
      var title = segments(fold(doc.title)).join("");
      var tier = 0, pieces = 0, marks = [], typo = false;
      for (var si = 0; si < segs.length; si++) {
        var s = segs[si], ok = null;
        for (var ai = 0; ai < s.alts.length && !ok; ai++) {
          if (hay.indexOf(s.alts[ai].seg) >= 0) ok = { tier: 0, pieces: 1, marks: [s.alts[ai].seg] };
        }
        if (!ok) {
          // the title, or a place name (the first lines of the stored text), one character off
          // (a place name's page title starts with it: 杉坪乡的人大代表)
          var n = chars(s.seg).length, names = [title, chars(title).slice(0, n).join("")]
            .concat(segments(fold(doc.text.split("\n").slice(0, 12).join("\n"))).slice(0, 60));
          for (var ni = 0; ni < names.length && !ok; ni++) {
            var wrong = typoAt(names[ni], s.seg);
            if (wrong < 0) continue;
            var like = likeness(similar, chars(names[ni])[wrong], chars(s.seg)[wrong]);
            if (n === 2 && !like) continue;  // one of two characters: a homophone or look-alike only (王墙 for 王强)
            ok = { tier: 1, typo: true, marks: [names[ni]],
                   pieces: [1, 0.75, 0.5][like] + (ni > 1 ? 0.5 : 0) - piecesOf(s.seg, title).covered / (2 * n) };
          }
        }
        for (ai = 0; ai < s.alts.length && !ok; ai++) {
          var p = piecesOf(s.alts[ai].seg, hay);
          if (p.covered * 3 >= p.len * 2 && p.list.length) ok = { tier: 1, pieces: p.list.length + (p.len - p.covered), marks: p.list };
        }
        if (ok && ok.tier === 1 && !ok.typo) ok.pieces -= piecesOf(s.alts[ai - 1].seg, title).covered / (2 * chars(s.seg).length);
        if (!ok && doc.truncated) ok = { tier: 1, pieces: 2, marks: [s.seg] };
        if (!ok) return null;
        tier = Math.max(tier, ok.tier); pieces += ok.pieces; marks = marks.concat(ok.marks);
        typo = typo || !!ok.typo;
      }
      return { tier: tier, pieces: pieces, marks: marks, typo: typo };
    }
    function piecesOf(seg, hay) {
      var c = chars(seg), n = c.length, i = 0, covered = 0, list = [];
      while (i < n) {
        var best = 0;
        for (var j = n; j >= i + 2; j--) { if (hay.indexOf(c.slice(i, j).join("")) >= 0) { best = j; break; } }
        if (best) { list.push(c.slice(i, best).join("")); covered += best - i; i = best; } else i++;
      }
      return { len: n, covered: covered, list: list };
    }
    /* What a result shows: the excerpt of its body around the match; when the match is only
       in its places (a deputy's village, station, group), the matching places, labelled
       (placesLabel); its facts (层级、报告状态、领衔代表、办理状态…) with the match marked. */
    function describe(man, doc, hl) {
      var f = foldMap(man);
      function fold(x) { return toSimplified(man, x); }
      var body = doc.body, inBody = hl.some(function (x) { return normalize(fold(body)).indexOf(x) >= 0; });
      doc.excerpt = excerpt(body || (doc.places.length ? "" : doc.title), hl, 90, f);
      if (!inBody && doc.places.length) {
        var hit = doc.places.filter(function (p) { return hl.some(function (x) { return segments(fold(p)).join("").indexOf(x) >= 0 || normalize(fold(p)).indexOf(x) >= 0; }); });
        var shown = (hit.length ? hit : doc.places).slice(0, 3).join("；");
        doc.placesLabel = PLACES_ZH[doc.kind] || "相关";
        doc.placesExcerpt = excerpt(shown, hl, 120, f);
        if (!hit.length || !body) doc.excerpt = excerpt(body, hl, 90, f);
      }
      doc.factMarks = doc.facts.map(function (x) { return excerpt(x[1], hl, 1000, f).marks; });
      doc.titleMarks = excerpt(doc.title, hl, 1000, f).marks;
    }

    // The position of the one character where title and seg differ, else -1.
    function typoAt(title, seg) {
      var a = chars(title), b = chars(seg), at = -1;
      if (a.length !== b.length || a.length < 2) return -1;
      for (var i = 0; i < a.length; i++) {
        if (a[i] === b[i]) continue;
        if (at >= 0) return -1;
        at = i;
      }
      return at;
    }
    // How much a name's character `a` is like the character typed `b` (similarOf): 2 a
    // homophone (欣/新 xin), 1 a look-alike (白/柏), else 0.
    function likeness(similar, a, b) {
      var x = similar && similar.get(b);
      return !x ? 0 : x.sound.indexOf(a) >= 0 ? 2 : x.shape.indexOf(a) >= 0 ? 1 : 0;
    }

    /* search(query, {offset, limit, kind}) → {total, results, partial, more, exact, kinds}.
       Candidates are checked in windows of CHECK_FACTOR × limit, in rank order; within a
       window, exact phrases come first, then near matches (fewest pieces first), then names
       with one wrong character. A candidate that fails every check is dropped. Every call
       returns results while unchecked candidates remain (at most MAX_WINDOWS windows a call,
       and near matches almost never fail), so the "more" button never loops on nothing.
       Results are cached per query, so asking for the next page continues where the last
       stopped. total counts the unchecked candidates too (exact: false). */
    function search(query, opts) {
      opts = opts || {};
      var limit = opts.limit || 10, offset = opts.offset || 0, kind = opts.kind || "";
      // opts.run: the caller's search (the page's, typed or Enter); two runs of the same query
      // (the one started as it was typed, then Enter) share its ranking, never their progress
      var key = query + "\u0000" + kind, run = opts.run || 0;
      var st = session && session.key === key && session.run === run && session.returned === offset ? session : null;
      if (!st) {
        var ranked = session && session.key === key ? session.rank : rank(query);
        st = session = { key: key, run: run, rank: ranked, pos: 0, buffer: [], returned: 0, dropped: 0 };
      }
      return st.rank.then(function (r) {
        var kinds = {};
        r.ids.forEach(function (id) { var k = kindOf(r.man, id); kinds[k] = (kinds[k] || 0) + 1; });
        var ids = kind ? r.ids.filter(function (id) { return kindOf(r.man, id) === kind; }) : r.ids;
        if (!ids.length) return { total: 0, results: [], partial: false, segs: r.segs, more: false, exact: true, kinds: kinds };
        var skip = offset - st.returned, windows = 0;
        function step() {
          if ((st.buffer.length >= skip + limit) || st.pos >= ids.length || (windows >= MAX_WINDOWS && st.buffer.length > skip)) {
            var page = st.buffer.splice(0, skip + limit).slice(skip);
            st.returned = offset + page.length;
            var more = st.buffer.length > 0 || st.pos < ids.length;
            return { total: ids.length - st.dropped, results: page, segs: r.segs, more: more,
                     exact: st.pos >= ids.length, kinds: kinds,
                     partial: page.length > 0 && page.every(function (d) { return d.match !== "exact"; }) };
          }
          windows++;
          var batch = ids.slice(st.pos, st.pos + CHECK_FACTOR * limit);
          st.pos += batch.length;
          return Promise.all(batch.map(function (id) { return load(r.man, id); })).then(function (docs) {
            var ok = [];
            docs.forEach(function (doc, k) {
              var m = verify(r.man, doc, r.segs, r.info.get(doc.id), r.similar);
              if (!m) { st.dropped++; return; }
              doc.match = m.tier === 0 ? "exact" : m.typo ? "typo" : "partial";
              doc.kindZh = KIND_ZH[doc.kind] || KIND_ZH.page;
              var hl = m.marks.length ? m.marks : [];
              describe(r.man, doc, hl);
              ok.push([m.tier, m.pieces, k, doc]);
            });
            ok.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; });
            ok.forEach(function (x) { st.buffer.push(x[3]); });
            return step();
          });
        }
        return step();
      });
    }
    return { search: search, rank: rank, manifest: getManifest, prefetch: prefetch,
             setEager: function (on) { eager = !!on; } };
  }

  var api = { normalize: normalize, segments: segments, bigrams: bigrams, fnv1a: fnv1a,
              parseShard: parseShard, parseQuery: parseQuery, excerpt: excerpt,
              createEngine: createEngine, KIND_ZH: KIND_ZH };
  if (typeof module === "object" && module.exports) module.exports = api;
  if (typeof window !== "undefined") window.DeputySearch = api;
  if (typeof document === "undefined") return;

  // ---------------------------------------------------------------- browser UI
  function fetchLoader(base) {
    function get(path, fresh) {
      return fetch(base + path, { credentials: "same-origin", cache: fresh ? "no-cache" : "default" }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " " + path);
        return r;
      });
    }
    return {
      json: function (p, fresh) { return get(p, fresh).then(function (r) { return r.json(); }); },
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
    var seq = 0, timer = null, shown = 0, current = "", FIRST = 3, partialSoFar = false, shownBy = 0;
    // The search runs by itself this long after the last keystroke; longer on a slow network,
    // where a search of half a word fetches results the whole word then waits behind.
    var liveDelay = 250;

    var filterBox = app.querySelector("[data-search-filter]"), kindSel = filterBox && filterBox.querySelector("select");
    var MATCH_ZH = { partial: "部分匹配", typo: "可能是" };
    // Facts shown in the meta line (deputy's level and report status) rather than the list.
    var META_FACTS = { "层级": 1, "报告状态": 1 };

    function span(cls, text) {
      var s = document.createElement("span");
      if (cls) s.className = cls;
      s.textContent = text;
      return s;
    }
    function labelled(el, label, text, marks) {
      var b = document.createElement("b");
      b.textContent = label + "：";
      el.appendChild(b);
      appendMarked(el, text, marks);
    }

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
        meta.appendChild(span("ds-result__kind", doc.kindZh));
        if (MATCH_ZH[doc.match]) meta.appendChild(span("ds-result__match", MATCH_ZH[doc.match]));
        if (doc.person && doc.person !== doc.title) meta.appendChild(span("", doc.person));
        if (doc.date) meta.appendChild(span("", doc.date));
        var rest = [];
        doc.facts.forEach(function (f, i) {
          if (META_FACTS[f[0]] && doc.kind === "deputy") {
            var s = span("", "");
            labelled(s, f[0], f[1], doc.factMarks[i]);
            meta.appendChild(s);
          } else if (!(f[0] === "领衔代表" && f[1] === doc.person)) rest.push(i);
        });
        li.appendChild(meta);
        if (rest.length) {
          var ul = document.createElement("ul");
          ul.className = "ds-result__facts";
          rest.forEach(function (i) {
            var item = document.createElement("li");
            labelled(item, doc.facts[i][0], doc.facts[i][1], doc.factMarks[i]);
            ul.appendChild(item);
          });
          li.appendChild(ul);
        }
        if (doc.placesExcerpt && doc.placesExcerpt.text) {
          var pp = document.createElement("p");
          pp.className = "ds-result__places";
          labelled(pp, doc.placesLabel, doc.placesExcerpt.text, doc.placesExcerpt.marks);
          li.appendChild(pp);
        }
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
      if (!append && kindSel) fillKinds(res.kinds || {});
      // "no exact match" only while every result shown so far is a partial one
      partialSoFar = res.partial && (!append || partialSoFar);
      var scope = kindSel && kindSel.value ? "（" + (KIND_ZH[kindSel.value] || "") + "）" : "";
      if (!res.total) status.textContent = "没有找到与“" + current + "”相关的结果" + scope + "。";
      else if (!shown && res.more) status.textContent = "已核对的结果中没有完全匹配“" + current + "”的，可点“显示更多结果”继续查找。";
      else status.textContent = (partialSoFar ? "没有完全匹配的结果，以下为部分匹配：" : "") +
        "找到" + (res.exact ? " " : "约 ") + res.total + " 条结果" + scope + (shown < res.total ? "，显示前 " + shown + " 条" : "") + "。";
      moreBtn.hidden = !res.more;
    }

    // The kind filter lists the kinds the query found, with their counts (before checking).
    function fillKinds(kinds) {
      var keep = kindSel.value, names = Object.keys(KIND_ZH).filter(function (k) { return kinds[k]; });
      kindSel.textContent = "";
      var all = document.createElement("option");
      all.value = "";
      all.textContent = "全部类别";
      kindSel.appendChild(all);
      names.forEach(function (k) {
        var o = document.createElement("option");
        o.value = k;
        o.textContent = KIND_ZH[k] + "（" + kinds[k] + "）";
        kindSel.appendChild(o);
      });
      kindSel.value = names.indexOf(keep) >= 0 ? keep : "";
      filterBox.hidden = names.length < 2 && !keep;
    }

    function run(q, append) {
      current = q.trim();
      var my = ++seq;
      if (!append) shownBy = my;  // "more" continues the search whose results are shown
      var tok = shownBy;
      if (!current) { list.textContent = ""; status.textContent = "请输入关键词。"; moreBtn.hidden = true; return; }
      if (!append) status.textContent = "正在搜索…";
      var kind = kindSel ? kindSel.value : "";
      // A new search shows its first FIRST results as soon as they are checked (on a slow phone
      // each batch of files costs a round trip of about two seconds), then fills the page to 10.
      var limit = append ? 10 : FIRST;
      engine.search(current, { offset: append ? shown : 0, limit: limit, kind: kind, run: tok }).then(function (res) {
        if (my !== seq) return;
        render(res, append);
        if (!append && res.more && shown < 10) {
          return engine.search(current, { offset: shown, limit: 10 - shown, kind: kind, run: tok }).then(function (rest) {
            if (my === seq) render(rest, true);
          });
        }
      }).catch(function () {
        if (my === seq) status.textContent = "搜索暂时不可用，请稍后再试。";
      });
    }
    function syncUrl(q) {
      var u = new URL(window.location.href);
      if (q) u.searchParams.set("q", q); else u.searchParams.delete("q");
      window.history.replaceState(null, "", u.toString());
    }

    input.addEventListener("input", function (ev) {
      // what the query will need is fetched while it is typed (not mid-composition in an IME)
      if (!ev.isComposing) engine.prefetch(input.value);
      clearTimeout(timer);
      timer = setTimeout(function () { syncUrl(input.value.trim()); run(input.value); }, liveDelay);
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearTimeout(timer);
      syncUrl(input.value.trim());
      run(input.value);
    });
    moreBtn.addEventListener("click", function () { run(input.value, true); });
    if (kindSel) kindSel.addEventListener("change", function () { run(input.value); });
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) { input.value = q; run(q); }
    // The manifest (a few KB) is fetched as soon as the page is up, not after Enter: on a slow
    // phone each round trip costs about two seconds. Over HTTP/2 or 3 (no limit of six
    // connections) more is fetched while a query is typed (prefetch).
    else engine.manifest().then(function () {
      var e = performance.getEntriesByType("resource").filter(function (x) { return /search\/idx\/manifest\.json/.test(x.name); })[0];
      engine.setEager(!!e && /^h[23]/.test(e.nextHopProtocol || ""));
      if (e && e.duration > 1000) liveDelay = 1000;
    }).catch(function () {});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
