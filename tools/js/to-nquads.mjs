// Usage: node to-nquads.mjs DOCUMENT.jsonld CONTEXT.jsonld
// Prints the document's RDF as N-Quads using jsonld.js. The document loader
// serves https://w3id.org/nlsc/context.jsonld from CONTEXT.jsonld and refuses
// every other URL, so nothing is fetched from the network.
import { readFileSync } from 'node:fs';
import jsonld from 'jsonld';

const CONTEXT_IRI = 'https://w3id.org/nlsc/context.jsonld';
const [docPath, contextPath] = process.argv.slice(2);
if (!docPath || !contextPath) {
  console.error('usage: node to-nquads.mjs DOCUMENT.jsonld CONTEXT.jsonld');
  process.exit(2);
}
const context = JSON.parse(readFileSync(contextPath, 'utf8'));

const documentLoader = async (url) => {
  if (url === CONTEXT_IRI) {
    return { contextUrl: null, documentUrl: url, document: context };
  }
  throw new Error(`refusing to load ${url}: offline`);
};

const doc = JSON.parse(readFileSync(docPath, 'utf8'));
const nquads = await jsonld.toRDF(doc, { format: 'application/n-quads', documentLoader, safe: true });
process.stdout.write(nquads);
