// Usage: node comunica-check.mjs QUERY.rq DATA.nq [DATA2 ...]
//        node comunica-check.mjs --batch QUERIES.json DATA.nq [DATA2 ...]
// Runs SPARQL queries with Comunica (an engine independent of rdflib and
// pyoxigraph) over local RDF files. One query: its result on stdout, SPARQL
// JSON results for SELECT/ASK, N-Triples for CONSTRUCT/DESCRIBE. A batch
// (QUERIES.json: a JSON list of query files) is answered by one engine in one
// process, so node and Comunica start once: stdout is a JSON object
// { "<query file>": { "result": "<as above>" } | { "error": "<message>" } }.
// The default graph is the union of all graphs in the files
// (unionDefaultGraph), so pass only the asserted graphs (see
// tests/test_queries.py). Only file sources: nothing is fetched from the network.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { QueryEngine } from '@comunica/query-sparql-file';

const args = process.argv.slice(2);
const batch = args[0] === '--batch';
if (batch) args.shift();
const [queryArg, ...files] = args;
if (!queryArg || files.length === 0) {
  console.error('usage: node comunica-check.mjs [--batch QUERIES.json | QUERY.rq] DATA.nq [DATA2 ...]');
  process.exit(2);
}
const sources = files.map((f) => ({ type: 'file', value: pathToFileURL(resolve(f)).href }));
const engine = new QueryEngine();
const context = { sources, unionDefaultGraph: true, lenient: false };

async function answer(queryPath) {
  const query = readFileSync(queryPath, 'utf8');
  if (/\bSERVICE\b/i.test(query.replace(/#[^\n]*/g, ''))) throw new Error('refusing a query with SERVICE: offline');
  const result = await engine.query(query, context);
  const mediaType = result.resultType === 'quads' ? 'application/n-triples' : 'application/sparql-results+json';
  const { data } = await engine.resultToString(result, mediaType, context);
  const chunks = [];
  for await (const chunk of data) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

if (batch) {
  const out = {};
  for (const queryPath of JSON.parse(readFileSync(queryArg, 'utf8'))) {
    try {
      out[queryPath] = { result: await answer(queryPath) };
    } catch (err) {
      out[queryPath] = { error: String(err.stack || err) };
    }
  }
  process.stdout.write(JSON.stringify(out));
} else {
  try {
    process.stdout.write(await answer(queryArg));
  } catch (err) {
    console.error(String(err.message || err));
    process.exit(2);
  }
}
