// Runs theme/assets/js/search.js's real query code in node against a built index.
// usage: node tests/search_node.js SEARCH_JS INDEX_DIR < queries.json > results.json
// stdin: {"queries": ["…"], "limit": 10, "kind": "", "allPages": false}; stdout: per query, the result urls (in order),
// total, partial, and the files a fresh visitor would fetch with their raw and gzip sizes.
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

const api = require(path.resolve(process.argv[2]));
const dir = process.argv[3];
const input = JSON.parse(fs.readFileSync(0, "utf8"));

function loader(log) {
  function read(p) {
    const file = path.join(dir, p.split("?")[0]);
    const buf = fs.readFileSync(file);
    log.push({ path: p.split("?")[0], raw: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length });
    return buf;
  }
  return {
    json: (p) => Promise.resolve().then(() => JSON.parse(read(p).toString("utf8"))),
    bin: (p) => Promise.resolve().then(() => {
      const b = read(p);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
    }),
  };
}

(async () => {
  const out = [];
  for (const q of input.queries) {
    const log = [];
    const engine = api.createEngine(loader(log)); // fresh engine = a first-time visitor
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
