// Usage: node to-nquads.mjs DOCUMENT.jsonld [DOCUMENT.jsonld ...]
// Prints each document's RDF as N-Quads with jsonld.js; with several documents each
// one's N-Quads follow a comment line `# FILE path` (blank node labels are per file).
// No documentLoader is given: the documents embed their context, so jsonld.js
// has nothing to fetch (the tests run this offline).
import { readFileSync } from 'node:fs';
import jsonld from 'jsonld';

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error('usage: node to-nquads.mjs DOCUMENT.jsonld [DOCUMENT.jsonld ...]');
  process.exit(2);
}
for (const path of paths) {
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  if (paths.length > 1) process.stdout.write(`# FILE ${path}\n`);
  process.stdout.write(await jsonld.toRDF(doc, { format: 'application/n-quads', safe: true }));
}
