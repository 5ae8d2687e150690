// Second SHACL engine for nlsc: shacl-engine (rdf-ext), with its SHACL-SPARQL
// validations switched on (without them it silently skips every sh:sparql).
//
//   node shacl-check.mjs --shapes a.ttl [--shapes b.ttl ...] --data d.nt [--data e.ttl ...]
//   node shacl-check.mjs --batch cases.json
//       cases.json: { "shapes": [files], "common": [data files added to every case],
//                     "cases": { "<id>": [data files], ... } }  ->  { "<id>": <report>, ... }
//
// Files ending in .nt are read as N-Triples, anything else as Turtle. The data
// files are merged into one data graph (give the ontology as a data file too:
// pyshacl mixes its ont_graph into the data graph the same way). Prints JSON:
//   { "conforms": bool, "results": [ { focusNode, resultPath, sourceConstraintComponent,
//                                      resultSeverity, sourceShape } ] }
// where terms are N-Triples-like strings and paths use the same notation as
// nlsc.build.validate.path_key: <iri>, ^<iri>, <a>/<b>. Exit 0 on success (whatever the
// conformance), 2 on unusable input.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import rdfDataModel from '@rdfjs/data-model'
import rdfDataset from '@rdfjs/dataset'
import { Parser } from 'n3'
import Validator from 'shacl-engine/Validator.js'

// Speed only: shacl-engine builds a new Comunica QueryEngine for every SPARQL
// evaluation, and each build wires up Comunica's actors anew (about 40 ms, which made
// the fixture run take ten minutes). Memoise Comunica's engine factory before
// shacl-engine loads it, so the actors are built once and shared, as one reused
// QueryEngine would share them. The SPARQL is still run by shacl-engine's own
// sparql.js validations, through Comunica.
{
  const require = createRequire(import.meta.resolve('shacl-engine/sparql.js'))
  const comunica = createRequire(require.resolve('@comunica/query-sparql-rdfjs-lite'))
  const factoryPath = comunica.resolve('../engine-default.js')
  const build = comunica(factoryPath)
  let built = null
  comunica.cache[factoryPath].exports = variables => variables ? build(variables) : (built ??= build())
}
const { validations: sparqlValidations } = await import('shacl-engine/sparql.js')

const SH = 'http://www.w3.org/ns/shacl#'
const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#'

function parseArgs (argv) {
  const out = { shapes: [], data: [], batch: [] }
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '')
    if (!(key in out)) throw new Error(`unknown option ${argv[i]}`)
    out[key].push(argv[++i])
  }
  if (out.batch.length) return out
  if (!out.shapes.length || !out.data.length) throw new Error('need --shapes and --data, or --batch')
  return out
}

function read (files, dataset) {
  for (const file of files) {
    const format = file.endsWith('.nt') ? 'N-Triples' : 'Turtle'
    const parser = new Parser({ format, factory: rdfDataModel, baseIRI: 'https://w3id.org/nlsc/' })
    for (const quad of parser.parse(readFileSync(file, 'utf8'))) {
      dataset.add(rdfDataModel.quad(quad.subject, quad.predicate, quad.object))
    }
  }
  return dataset
}

function termKey (term) {
  if (!term) return null
  if (term.termType === 'NamedNode') return `<${term.value}>`
  if (term.termType === 'BlankNode') return '_:b'
  const escaped = JSON.stringify(term.value)
  if (term.language) return `${escaped}@${term.language}`
  if (term.datatype && term.datatype.value !== 'http://www.w3.org/2001/XMLSchema#string') return `${escaped}^^<${term.datatype.value}>`
  return escaped
}

function one (dataset, subject, predicate) {
  for (const q of dataset.match(subject, rdfDataModel.namedNode(predicate))) return q.object
  return null
}

// the path keys of the members of an RDF list
function listKeys (dataset, list) {
  const items = []
  let cur = list
  while (cur && !(cur.termType === 'NamedNode' && cur.value === RDF + 'nil')) {
    items.push(pathKey(dataset, one(dataset, cur, RDF + 'first')))
    cur = one(dataset, cur, RDF + 'rest')
  }
  return items
}

function pathKey (dataset, node) {
  if (!node) return null
  if (node.termType === 'NamedNode') return `<${node.value}>`
  if (one(dataset, node, RDF + 'first')) return listKeys(dataset, node).join('/')
  const inverse = one(dataset, node, SH + 'inversePath')
  if (inverse) return '^' + pathKey(dataset, inverse)
  const alt = one(dataset, node, SH + 'alternativePath')
  if (alt) return '(' + listKeys(dataset, alt).join('|') + ')'
  for (const [p, suffix] of [['zeroOrMorePath', '*'], ['oneOrMorePath', '+'], ['zeroOrOnePath', '?']]) {
    const inner = one(dataset, node, SH + p)
    if (inner) return pathKey(dataset, inner) + suffix
  }
  return '?'
}

// one factory object for terms and datasets (the model's methods live on its prototype)
const factory = {
  namedNode: v => rdfDataModel.namedNode(v),
  blankNode: v => rdfDataModel.blankNode(v),
  literal: (v, l) => rdfDataModel.literal(v, l),
  variable: v => rdfDataModel.variable(v),
  defaultGraph: () => rdfDataModel.defaultGraph(),
  quad: (s, p, o, g) => rdfDataModel.quad(s, p, o, g),
  triple: (s, p, o) => rdfDataModel.quad(s, p, o),
  fromTerm: t => rdfDataModel.fromTerm(t),
  fromQuad: q => rdfDataModel.fromQuad(q),
  dataset: quads => rdfDataset.dataset(quads)
}

function subclassesIntoShapes (data, shapes) {
  // shacl-engine looks up rdfs:subClassOf for sh:class and sh:targetClass in the
  // shapes graph, where the SHACL spec says data graph: copy the data graph's
  // subclass axioms into the shapes graph so both engines see the same hierarchy.
  for (const q of data.match(null, rdfDataModel.namedNode('http://www.w3.org/2000/01/rdf-schema#subClassOf'))) {
    shapes.add(q)
  }
}

async function check (shapeFiles, dataFiles) {
  const shapes = read(shapeFiles, rdfDataset.dataset())
  const data = read(dataFiles, rdfDataset.dataset())
  subclassesIntoShapes(data, shapes)
  const validator = new Validator(shapes, { factory, validations: sparqlValidations })
  const report = await validator.validate({ dataset: data })
  const rd = report.dataset
  const results = []
  for (const q of rd.match(null, rdfDataModel.namedNode(RDF + 'type'), rdfDataModel.namedNode(SH + 'ValidationResult'))) {
    const r = q.subject
    results.push({
      focusNode: termKey(one(rd, r, SH + 'focusNode')),
      resultPath: pathKey(rd, one(rd, r, SH + 'resultPath')),
      sourceConstraintComponent: one(rd, r, SH + 'sourceConstraintComponent').value,
      resultSeverity: one(rd, r, SH + 'resultSeverity').value,
      sourceShape: termKey(one(rd, r, SH + 'sourceShape'))
    })
  }
  const key = r => [r.resultSeverity, r.sourceShape, r.focusNode, r.resultPath || ''].join(' ')
  results.sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)
  const conforms = !results.some(r => r.resultSeverity === SH + 'Violation')
  return { conforms, results }
}

async function main () {
  let args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`shacl-check: ${err.message}\n`)
    process.exit(2)
  }
  let out
  if (args.batch.length) {
    const spec = JSON.parse(readFileSync(args.batch[0], 'utf8'))
    out = {}
    for (const [id, files] of Object.entries(spec.cases)) {
      out[id] = await check(spec.shapes, [...(spec.common || []), ...files])
    }
  } else {
    out = await check(args.shapes, args.data)
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n')
}

main().catch(err => {
  process.stderr.write(`shacl-check: ${err.stack || err}\n`)
  process.exit(2)
})
