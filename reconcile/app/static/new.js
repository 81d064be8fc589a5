// New claim at the desk: candidates from /api/query as the officer types (debounced).
(function () {
  'use strict';
  var form = document.getElementById('newclaim');
  var out = document.getElementById('new-cands');
  var err = document.getElementById('new-error');
  var lat = document.getElementById('latency');
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var lang = document.querySelector('meta[name="lang"]').content;
  var timer = null, seq = 0;
  function claim() {
    var c = {relatives: []};
    [].slice.call(form.elements).forEach(function (el) {
      var v = (el.value || '').trim();
      if (!el.name || !v) { return; }
      if (el.dataset.relation) { c.relatives.push({relation: el.dataset.relation, name: v}); }
      else if (el.name === 'aliases') { c.aliases = v.split(';'); }
      else { c[el.name] = v; }
    });
    return c;
  }
  function td(text, cls) {
    var el = document.createElement('td');
    if (cls) { el.className = cls; }
    el.textContent = text == null ? '' : String(text);
    return el;
  }
  function run(t0) {
    var c = claim();
    if (!c.name && !c.relatives.length) { out.textContent = ''; return; }
    var my = ++seq;
    fetch('/api/query', {method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
      body: JSON.stringify({claim: c, top_k: 10, lang: lang})})
      .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); })
      .then(function (res) {
        if (my !== seq) { return; }
        out.textContent = '';
        if (!res.ok) { err.hidden = false; err.textContent = res.body.error || 'error'; return; }
        err.hidden = true;
        var frag = document.createDocumentFragment();
        res.body.candidates.forEach(function (m) {
          var tr = document.createElement('tr');
          tr.className = 'newcand';
          tr.appendChild(td(m.rank, 'n'));
          var who = td(m.full_name);
          if (m.confirmed_for) {
            var b = document.createElement('span');
            b.className = 'badge warnb';
            b.textContent = out.dataset.confirmedFor + ' ' + m.confirmed_for;
            who.appendChild(document.createElement('br'));
            who.appendChild(b);
          }
          tr.appendChild(who);
          tr.appendChild(td(m.birth_year));
          tr.appendChild(td(m.person_id));
          tr.appendChild(td(((m.probability || 0) * 100).toFixed(1) + '%', 'n'));
          tr.appendChild(td(m.evidence));
          frag.appendChild(tr);
        });
        out.appendChild(frag);
        var ms = performance.now() - t0;
        window.__lastLatency = ms;
        window.__serverMs = res.body.ms;
        lat.textContent = ms.toFixed(0) + ' ms (server ' + res.body.ms + ' ms)';
        document.body.dataset.candidates = String(res.body.candidates.length);
      });
  }
  form.addEventListener('input', function () {
    var t0 = performance.now();
    clearTimeout(timer);
    timer = setTimeout(function () { run(t0); }, 30);   // coalesces a paste or a burst, not typing
  });
  form.addEventListener('submit', function (e) { e.preventDefault(); run(performance.now()); });
})();
