// The search box in the menu of every page: finds a resource or term by any of its
// labels, in Dutch or English, in search.json (written with the site; one file, read
// once, on first use). No library, no network beyond this site. Case and accents are
// ignored: "marechaussee" finds "Koninklijke Marechaussee".
(function () {
  "use strict";
  var form = document.getElementById("site-search");
  if (!form) return;
  var input = form.querySelector("input[type=search]");
  var list = form.querySelector(".results");
  var indexUrl = new URL(form.getAttribute("data-index"), document.baseURI);
  var MAX = 12;
  var loading = null;

  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function load() {
    if (!loading) {
      loading = fetch(indexUrl).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (rows) {
        return rows.map(function (r) {
          return {href: new URL(r[0], indexUrl).href, nl: r[1], en: r[2], kind: r[3],
                  keys: [r[1], r[2]].concat(r[4]).map(fold)};
        });
      });
    }
    return loading;
  }

  // 0 a label is the query; 1 a label starts with it; 2 a word does; 3 it is inside a
  // label; 4 every word of it is in some label; -1 no match
  function rank(entry, q, words) {
    var best = -1;
    entry.keys.forEach(function (k) {
      var r = k === q ? 0 : k.indexOf(q) === 0 ? 1 : (" " + k).indexOf(" " + q) >= 0 ? 2 : k.indexOf(q) >= 0 ? 3 : -1;
      if (r >= 0 && (best < 0 || r < best)) best = r;
    });
    if (best < 0 && words.length > 1 && words.every(function (w) {
      return entry.keys.some(function (k) { return k.indexOf(w) >= 0; });
    })) best = 4;
    return best;
  }

  function find(entries, text) {
    var q = fold(text);
    var words = q.split(/\s+/).filter(Boolean);
    if (!q) return [];
    return entries.map(function (e) { return {e: e, r: rank(e, q, words)}; })
      .filter(function (x) { return x.r >= 0; })
      .sort(function (a, b) {
        return a.r - b.r || a.e.nl.length - b.e.nl.length || (a.e.nl < b.e.nl ? -1 : a.e.nl > b.e.nl ? 1 : 0);
      })
      .slice(0, MAX).map(function (x) { return x.e; });
  }

  function item(content) {
    var li = document.createElement("li");
    li.appendChild(content);
    list.appendChild(li);
  }

  function span(text, lang, cls) {
    var s = document.createElement("span");
    s.textContent = text;
    if (lang) s.lang = lang;
    if (cls) s.className = cls;
    return s;
  }

  function show(results) {
    list.textContent = "";
    results.forEach(function (e) {
      var a = document.createElement("a");
      a.href = e.href;
      a.appendChild(span(e.nl, "nl"));
      if (e.en !== e.nl) a.appendChild(span(" / " + e.en, "en", "en"));
      a.appendChild(document.createTextNode(" "));
      a.appendChild(span(e.kind, "", "tag"));
      item(a);
    });
    if (!results.length) {
      var none = document.createElement("span");
      none.appendChild(span("Niets gevonden", "nl"));
      none.appendChild(span(" / Nothing found", "en", "en"));
      item(none);
    }
    list.hidden = false;
  }

  function unavailable() {
    list.textContent = "";
    var msg = document.createElement("span");
    msg.appendChild(span("Zoeken vraagt de site via een webserver (nlsc serve of elke andere).", "nl"));
    msg.appendChild(span(" Search needs the site served over HTTP (nlsc serve or any web server).", "en", "en"));
    item(msg);
    list.hidden = false;
  }

  input.addEventListener("input", function () {
    var text = input.value;
    if (!fold(text)) { list.hidden = true; return; }
    load().then(function (entries) {
      if (input.value === text) show(find(entries, text));
    }, unavailable);
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") list.hidden = true;
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    load().then(function (entries) {
      var hits = find(entries, input.value);
      if (hits.length) window.location.href = hits[0].href;
      else show(hits);
    }, unavailable);
  });
})();
