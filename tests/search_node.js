// Runs theme/assets/js/search.js's real query code in node against a built index.
// usage: node tests/search_node.js SEARCH_JS INDEX_DIR < queries.json > results.json
// stdin: {"queries": ["…"], "limit": 10, "kind": "", "allPages": false, "typed": null}; stdout: per query, the
// result urls (in order), total, partial, and the files a fresh visitor would fetch with their raw and gzip
// sizes and their round: files requested together are answered together, one round later (as on a slow
// network, where each round costs a latency), so round n is the n-th dependent step after Enter.
// typed: texts the page prefetches (engine.prefetch, answered) before Enter, e.g. [""] for the
// manifest fetched when the page opens, ["", "lo"] for two letters typed a while before Enter;
// what they fetch is counted as round 0. eager: the page's server multiplexes (engine.setEager).
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

const api = require(path.resolve(process.argv[2]));
const dir = process.argv[3];
const input = JSON.parse(fs.readFileSync(0, "utf8"));

const clock = { round: 0, base: 0, typing: false, pending: [] };
// Requests made while the engine runs are answered together once it is idle (setImmediate
// runs after every pending promise callback): one round.
function flush() {
  clock.round++;
  const batch = clock.pending.splice(0);
  batch.forEach((f) => f());
}

function loader(log) {
  function read(p) {
    const file = path.join(dir, p.split("?")[0]);
    const buf = fs.readFileSync(file);
    log.push({ path: p.split("?")[0], raw: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length,
      round: clock.typing ? 0 : clock.round - clock.base });
    return buf;
  }
  function later(p, then) {
    return new Promise((resolve, reject) => {
      if (!clock.pending.length) setImmediate(flush);
      clock.pending.push(() => { try { resolve(then(read(p))); } catch (e) { reject(e); } });
    });
  }
  return {
    json: (p) => later(p, (b) => JSON.parse(b.toString("utf8"))),
    bin: (p) => later(p, (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.length)),
  };
}

(async () => {
  const out = [];
  for (const q of input.queries) {
    const log = [];
    const engine = api.createEngine(loader(log)); // fresh engine = a first-time visitor
    engine.setEager(!!input.eager);
    clock.typing = true;
    for (const t of input.typed || []) await engine.prefetch(t);
    clock.typing = false;
    clock.base = clock.round; // the next round is the first after Enter
    const t0 = process.hrtime.bigint();
    const res = await engine.search(q, { limit: input.limit || 10, kind: input.kind || "" });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    // allPages: press "显示更多结果" until there is no more (at most 30 times)
    const pages = [res.results.map((r) => r.url)];
    for (let more = res.more; input.allPages && more && pages.length < 30; ) {
      const shown = pages.reduce((n, p) => n + p.length, 0);
      const next = await engine.search(q, { limit: input.limit || 10, offset: shown });
      pages.push(next.results.map((r) => r.url));
      more = next.more;
    }
    out.push({
      query: q,
      total: res.total,
      partial: res.partial,
      urls: res.results.map((r) => r.url),
      results: res.results.map((r) => ({ url: r.url, kind: r.kind, title: r.title, person: r.person,
        date: r.date, excerpt: r.excerpt, match: r.match, facts: r.facts })),
      more: res.more,
      kinds: res.kinds,
      pages: input.allPages ? pages : undefined,
      files: log,
      ms,
    });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
