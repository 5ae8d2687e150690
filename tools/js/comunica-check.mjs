// Usage: node comunica-check.mjs QUERY.rq DATA.nq [DATA2 ...]
// Runs one SPARQL query with Comunica (an engine independent of rdflib and
// pyoxigraph) over local RDF files and prints the result on stdout:
// SPARQL JSON results for SELECT/ASK, N-Triples for CONSTRUCT/DESCRIBE.
// The default graph is the union of all graphs in the files
// (unionDefaultGraph), so pass only the asserted graphs (see
// tests/test_queries.py). Only file sources: nothing is fetched from the network.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { QueryEngine } from '@comunica/query-sparql-file';

const [queryPath, ...files] = process.argv.slice(2);
if (!queryPath || files.length === 0) {
  console.error('usage: node comunica-check.mjs QUERY.rq DATA.nq [DATA2 ...]');
  process.exit(2);
}
const query = readFileSync(queryPath, 'utf8');
if (/\bSERVICE\b/i.test(query.replace(/#[^\n]*/g, ''))) {
  console.error('refusing a query with SERVICE: offline');
  process.exit(2);
}
const sources = files.map((f) => ({ type: 'file', value: pathToFileURL(resolve(f)).href }));
const engine = new QueryEngine();
const context = { sources, unionDefaultGraph: true, lenient: false };
const result = await engine.query(query, context);
const mediaType = result.resultType === 'quads' ? 'application/n-triples' : 'application/sparql-results+json';
const { data } = await engine.resultToString(result, mediaType, context);
data.pipe(process.stdout);
