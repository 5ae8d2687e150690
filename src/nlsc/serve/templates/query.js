// The nlsc serve query page: pick a bundled query, run it on the endpoint, show the answer as a table.
// Everything it needs comes from this server (queries.json, the query endpoint); nothing from elsewhere.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const form = $("run"), pick = $("pick"), labels = $("labels"), sparql = $("sparql");
  const about = $("about"), status = $("status"), result = $("result");
  const ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";
  const XSD_STRING = "http://www.w3.org/2001/XMLSchema#string";
  const queries = new Map();

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c);  // strings become text nodes: no HTML from data
    return node;
  }

  function both(nl, en) {
    return [el("span", {lang: "nl"}, nl), " ", el("span", {lang: "en", class: "en"}, en)];
  }

  function say(nl, en, kind) {
    status.className = kind || "";
    status.replaceChildren(...both(nl, en));
  }

  function choose(name) {
    const q = queries.get(name);
    if (!q) return;
    pick.value = name;
    sparql.value = q.text[labels.value];
    about.replaceChildren(el("p", {lang: "nl"}, q.description.nl), el("p", {lang: "en", class: "en"}, q.description.en));
    history.replaceState(null, "", "#" + name);
  }

  // The query's own PREFIX lines shorten the IRIs of its answer.
  function prefixes(text) {
    const out = [];
    for (const m of text.matchAll(/PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>\s]*)>/gi)) out.push([m[1] || "", m[2]]);
    return out.sort((a, b) => b[1].length - a[1].length);
  }

  function shorten(iri, known) {
    for (const [p, ns] of known) {
      const local = iri.slice(ns.length);
      if (iri.startsWith(ns) && /^[\w-]*$/.test(local)) return p + ":" + local;
    }
    return "<" + iri + ">";
  }

  function cell(term, known) {
    if (!term) return el("td", {class: "unbound"}, "");
    if (term.type === "uri") {
      const text = shorten(term.value, known);
      return el("td", {}, /^https?:/.test(term.value) ? el("a", {href: term.value, title: term.value}, text) : text);
    }
    if (term.type === "bnode") return el("td", {}, "_:" + term.value);
    const td = el("td", {}, term.value);
    if (term["xml:lang"]) td.append(" ", el("span", {class: "tag"}, "@" + term["xml:lang"]));
    else if (term.datatype && term.datatype !== XSD_STRING) td.append(" ", el("span", {class: "tag"}, shorten(term.datatype, known)));
    return td;
  }

  function table(doc, known) {
    const vars = doc.head.vars, rows = doc.results.bindings;
    const head = el("tr", {}, ...vars.map((v) => el("th", {scope: "col"}, "?" + v)));
    const body = rows.map((b) => el("tr", {}, ...vars.map((v) => cell(b[v], known))));
    result.replaceChildren(el("div", {class: "scroll"}, el("table", {id: "answer"}, el("thead", {}, head), el("tbody", {}, ...body))));
    return rows.length;
  }

  async function run(event) {
    event.preventDefault();
    const text = sparql.value, t0 = performance.now();
    say("Bezig…", "Running…");
    result.replaceChildren();
    let resp;
    try {
      resp = await fetch(form.getAttribute("action"), {
        method: "POST", headers: {Accept: ACCEPT, "Content-Type": "application/x-www-form-urlencoded"},
        body: new URLSearchParams({query: text}),
      });
    } catch (err) {
      return say("Het eindpunt antwoordt niet: " + err.message, "The endpoint does not answer: " + err.message, "error");
    }
    const body = await resp.text(), ms = Math.round(performance.now() - t0);
    if (!resp.ok) {
      result.replaceChildren(el("pre", {class: "refusal"}, body));
      return say(`Geweigerd (HTTP ${resp.status})`, `Refused (HTTP ${resp.status})`, "error");
    }
    if (!(resp.headers.get("Content-Type") || "").includes("json")) {
      result.replaceChildren(el("pre", {class: "triples"}, body));  // CONSTRUCT, DESCRIBE: Turtle
      return say(`Triples in Turtle, ${ms} ms`, `Triples as Turtle, ${ms} ms`, "ok");
    }
    const doc = JSON.parse(body);
    if ("boolean" in doc) {
      result.replaceChildren(el("p", {id: "answer", class: "boolean"}, ...both(doc.boolean ? "ja" : "nee", String(doc.boolean))));
      return say(`Antwoord in ${ms} ms`, `Answer in ${ms} ms`, "ok");
    }
    const n = table(doc, prefixes(text));
    say(`${n} ${n === 1 ? "rij" : "rijen"}, ${ms} ms`, `${n} ${n === 1 ? "row" : "rows"}, ${ms} ms`, "ok");
  }

  labels.addEventListener("change", () => {
    const q = queries.get(pick.value), other = labels.value === "nl" ? "en" : "nl";
    if (q && sparql.value === q.text[other]) sparql.value = q.text[labels.value];  // not over the visitor's edits
  });
  pick.addEventListener("change", () => choose(pick.value));
  form.addEventListener("submit", run);
  $("endpoint").textContent = new URL(form.getAttribute("action"), location.href).href;

  fetch("queries.json").then((r) => r.json()).then((list) => {
    for (const q of list) queries.set(q.name, q);
    const wanted = decodeURIComponent(location.hash.slice(1));
    if (queries.has(wanted)) choose(wanted);
    document.body.dataset.ready = "true";
  }, (err) => say("De lijst met vragen ontbreekt: " + err.message, "The list of queries is missing: " + err.message, "error"));
})();
