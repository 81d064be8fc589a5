(function () {
  'use strict';
  // The report's only script. Reads the JSON block once, renders the claim list as the officer scrolls
  // (only the visible rows exist) and a claim's detail when it is opened. Values are inserted as text
  // nodes or attribute values only, never parsed as markup. No network.
  var ROW = 34, SVGNS = 'http://www.w3.org/2000/svg';
  var line = document.getElementById('status-line');
  var block = document.getElementById('report-data');

  function fold(s) {
    return (s || '').replace(/[\u0111\u0110]/g, 'd').normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ').trim();
  }
  function h(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) { if (attrs[k] != null) { e.setAttribute(k, attrs[k]); } }
    add(e, kids);
    return e;
  }
  function s(tag, attrs, kids) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in (attrs || {})) { if (attrs[k] != null) { e.setAttribute(k, attrs[k]); } }
    add(e, kids);
    return e;
  }
  function add(e, kids) {
    if (kids == null) { return; }
    if (!Array.isArray(kids)) { kids = [kids]; }
    kids.forEach(function (c) {
      if (c == null || c === '') { return; }
      e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    });
  }

  function start(D) {
    var S = D.s, W = D.words, LB = D.labels, ST = D.statuses, C = D.claims, NC = D.config.name_chars || 34;
    function t(ref) {
      if (ref == null) { return ''; }
      if (Array.isArray(ref)) { return ref.map(function (k) { return S[k]; }).join(''); }
      return S[ref];
    }
    function pct(p) {
      if (p == null) { return '\u2013'; }
      if (p > 0 && p < 0.01) { return '<1%'; }
      if (p > 0.99 && p < 1) { return '>99%'; }
      return Math.round(100 * p) + '%';
    }
    function num(v) {
      if (v == null) { return '\u2013'; }
      return (v >= 0 ? '+' : '\u2212') + Math.abs(v).toFixed(1);
    }
    function sign(v) { return v > 0.05 ? 'pos' : (v < -0.05 ? 'neg' : 'zero'); }
    function short(x, n) { return x.length <= n ? x : x.slice(0, n - 1) + '\u2026'; }
    function rel(r) { return W['rel_' + r] || r; }

    var search = C.map(function (c) {
      var parts = [t(c.i), t(c.n)];
      (c.a || []).forEach(function (a) { parts.push(t(a)); });
      (c.m || []).forEach(function (m) { parts.push(t(m.n), t(m.i)); });
      return fold(parts.join(' '));
    });

    var q = document.getElementById('q'), place = document.getElementById('place');
    var shown = document.getElementById('shown-n'), list = document.getElementById('list');
    var pad = document.getElementById('list-pad'), detail = document.getElementById('detail');
    var buttons = [].slice.call(document.querySelectorAll('button[data-filter]'));
    var current = 'all', visible = [], opened = -1;

    function apply() {
      var term = fold(q.value), pl = place.value, si = ST.indexOf(current);
      visible = [];
      for (var k = 0; k < C.length; k++) {
        var c = C[k];
        if (si >= 0 && c.s !== si) { continue; }
        if (pl !== '' && String(c.P) !== pl) { continue; }
        if (term && search[k].indexOf(term) < 0) { continue; }
        visible.push(k);
      }
      shown.textContent = String(visible.length);
      pad.style.height = (visible.length * ROW) + 'px';
      list.scrollTop = 0;
      draw();
    }

    function draw() {
      [].slice.call(list.querySelectorAll('.row, .empty')).forEach(function (r) { r.remove(); });
      if (!visible.length) { list.appendChild(h('div', {'class': 'empty'}, W.nothing_shown)); return; }
      var first = Math.max(0, Math.floor(list.scrollTop / ROW) - 4);
      var last = Math.min(visible.length, first + Math.ceil((list.clientHeight || 600) / ROW) + 8);
      for (var i = first; i < last; i++) {
        var k = visible[i], c = C[k], best = (c.m || [])[0], st = ST[c.s];
        var row = h('div', {'class': 'row' + (k === opened ? ' current' : ''), role: 'listitem', tabindex: '0',
          'data-k': String(k), 'data-status': st, style: 'top:' + (i * ROW) + 'px'}, [
          h('span', null, t(c.i)), h('span', null, h('bdi', null, t(c.n))),
          h('span', null, h('span', {'class': 'badge ' + st}, W[st])),
          h('span', null, best ? h('bdi', null, t(best.n)) : ''),
          h('span', {'class': 'n pct'}, best ? pct(best.p) : '')]);
        list.appendChild(row);
      }
    }
    list.addEventListener('scroll', function () { window.requestAnimationFrame(draw); });
    window.addEventListener('resize', function () { window.requestAnimationFrame(draw); });
    list.addEventListener('click', function (e) {
      var r = e.target.closest('.row');
      if (r) { show(+r.getAttribute('data-k'), true); }
    });
    list.addEventListener('keydown', function (e) {
      var r = e.target.closest && e.target.closest('.row');
      if (r && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); show(+r.getAttribute('data-k'), true); }
    });
    buttons.forEach(function (b) {
      b.addEventListener('click', function () {
        current = b.getAttribute('data-filter');
        buttons.forEach(function (o) { o.setAttribute('aria-pressed', o === b ? 'true' : 'false'); });
        apply();
      });
    });
    q.addEventListener('input', apply);
    place.addEventListener('change', apply);
    document.addEventListener('keydown', function (e) {
      if (e.key === '/' && document.activeElement !== q) { e.preventDefault(); q.focus(); }
    });

    // ---------------------------------------------------------------- one claim
    function given(c) {
      var dl = h('dl', {'class': 'given'});
      function row(key, value) {
        if (value == null || value === '') { return; }
        dl.appendChild(h('dt', null, W[key]));
        dl.appendChild(h('dd', {'class': 'val'}, h('bdi', null, value)));
      }
      row('name', t(c.n));
      row('aliases', (c.a || []).map(t).join('; '));
      row('sex', t(c.x)); row('birth', t(c.b)); row('age', c.g); row('zodiac', t(c.z));
      row('ethnicity', t(c.e)); row('hometown', t(c.h)); row('residence', t(c.r)); row('recorded_on', t(c.o));
      dl.appendChild(h('dt', null, W.claimed_relatives));
      if (c.R && c.R.length) {
        dl.appendChild(h('dd', null, h('ul', null, c.R.map(function (r) {
          return h('li', null, [h('span', {'class': 'rel'}, rel(t(r[0])) + ':'), ' ', h('bdi', null, t(r[1])),
            r[2] != null ? ' (' + r[2] + ')' : '']);
        }))));
      } else { dl.appendChild(h('dd', null, W.none_given)); }
      return [h('h3', null, W.claim_as_given), dl];
    }

    function waterfall(ev, total, caption) {
      var BW = 300, H = 24, sums = [0];
      ev.forEach(function (e) { sums.push(sums[sums.length - 1] + e[2]); });
      var tot = total == null ? sums[sums.length - 1] : total;
      var lo = Math.min.apply(null, sums.concat([tot, 0])), hi = Math.max.apply(null, sums.concat([tot, 0]));
      var span = (hi - lo) || 1;
      function x(v) { return 4 + (v - lo) / span * (BW - 8); }
      function bar(a, b, cls) {
        return s('svg', {'aria-hidden': 'true', viewBox: '0 0 ' + BW + ' ' + H}, [
          s('line', {x1: x(0).toFixed(0), y1: 0, x2: x(0).toFixed(0), y2: H, 'class': 'axis'}),
          s('line', {x1: x(a).toFixed(0), y1: 0, x2: x(a).toFixed(0), y2: H, 'class': 'link'}),
          s('rect', {x: Math.min(x(a), x(b)).toFixed(1), y: 5, width: Math.max(Math.abs(x(b) - x(a)), 1.5).toFixed(1),
            height: H - 10, 'class': cls})]);
      }
      var tb = h('table', {'class': 'wf', 'aria-label': caption});
      ev.forEach(function (e, i) {
        var cls = sign(e[2]), f = t(e[0]);
        tb.appendChild(h('tr', {'class': cls, 'data-field': f}, [
          h('th', {scope: 'row'}, LB[f] || f), h('td', {'class': 'wfw'}, t(e[3])),
          h('td', {'class': 'wfb'}, bar(sums[i], sums[i + 1], cls)), h('td', {'class': 'n fn ' + cls}, num(e[2]))]));
      });
      var tcls = tot > 0 ? 'pos' : 'neg';
      tb.appendChild(h('tr', {'class': 'total'}, [h('th', {scope: 'row', colspan: '2'}, W.total),
        h('td', {'class': 'wfb'}, bar(0, tot, tcls + ' tot')), h('td', {'class': 'n fn'}, num(tot))]));
      return tb;
    }

    function kinship(c, m, caption) {
      var claimed = c.R || [], regs = m.k.r, links = m.k.l;
      var lc = links.map(function (l) { return l[0]; }), lr = links.map(function (l) { return l[1]; });
      var left = lc.concat(claimed.map(function (_, i) { return i; }).filter(function (i) { return lc.indexOf(i) < 0; }));
      var right = lr.concat(regs.map(function (_, j) { return j; }).filter(function (j) { return lr.indexOf(j) < 0; }));
      var n = Math.max(left.length, right.length, 1);
      var BW = 270, BH = 40, GAP = 10, LX = 10, RX = 420, TOP = 70, width = RX + BW + 10, height = TOP + (BH + GAP) * n + 10;
      var g = s('svg', {'class': 'kin', role: 'img', viewBox: '0 0 ' + width + ' ' + height, width: width, height: height},
        [s('title', null, caption), s('text', {x: LX, y: 14, 'class': 'kh'}, W.kin_claimed),
          s('text', {x: RX, y: 14, 'class': 'kh'}, W.kin_registered)]);
      function box(x0, y0, role, name, by, cls) {
        var year = by == null ? '' : ' (' + by + ')';
        return s('g', {'class': cls}, [s('title', null, role + ': ' + name + year),
          s('rect', {x: x0, y: y0, width: BW, height: BH, rx: 5}),
          s('text', {x: x0 + 8, y: y0 + 15, 'class': 'kr'}, role),
          s('text', {x: x0 + 8, y: y0 + 32, 'class': 'kn'}, short(name, NC) + year)]);
      }
      g.appendChild(box(LX, 20, W.claimant, t(c.n), null, 'kb me'));
      g.appendChild(box(RX, 20, W.candidate, t(m.n), m.y, 'kb me'));
      g.appendChild(s('line', {x1: LX + BW, y1: 20 + BH / 2, x2: RX, y2: 20 + BH / 2, 'class': 'kl me'}));
      left.forEach(function (i, row) {
        var r = claimed[i];
        g.appendChild(box(LX, TOP + row * (BH + GAP), rel(t(r[0])), t(r[1]), r[2], lc.indexOf(i) >= 0 ? 'kb linked' : 'kb'));
      });
      right.forEach(function (j, row) {
        var r = regs[j];
        g.appendChild(box(RX, TOP + row * (BH + GAP), rel(t(r[0])), t(r[1]), r[2], lr.indexOf(j) >= 0 ? 'kb linked' : 'kb'));
      });
      links.forEach(function (l, row) {
        var y = TOP + row * (BH + GAP) + BH / 2, cls = sign(l[2]);
        g.appendChild(s('line', {x1: LX + BW, y1: y, x2: RX, y2: y, 'class': 'kl ' + cls,
          'data-claimed': String(l[0]), 'data-registered': String(l[1])}));
        g.appendChild(s('text', {x: (LX + BW + RX) / 2, y: y - 4, 'class': 'ks ' + cls, 'text-anchor': 'middle'}, num(l[2])));
      });
      return g;
    }

    function candidates(c) {
      var ms = c.m || [], out = [h('h3', null, W.candidates)];
      if (!ms.length) { out.push(h('p', {'class': 'warn'}, W.no_candidates)); return out; }
      var tb = h('table', {'class': 'cands'}, h('tr', null, [h('th', {'class': 'n'}, W.rank), h('th', null, W.name),
        h('th', null, W.birth), h('th', null, W.person_id), h('th', null, W.household), h('th', {'class': 'n'}, W.probability)]));
      function barCell(p, grey) {
        var b = h('span', {'class': 'bar'});
        b.style.width = (Math.max(0, Math.min(1, p || 0)) * 5).toFixed(2) + 'rem';
        if (grey) { b.style.background = '#9e9e9e'; }
        return h('td', {'class': 'n'}, [b, h('span', {'class': 'pct'}, pct(p))]);
      }
      ms.forEach(function (m, k) {
        tb.appendChild(h('tr', null, [h('td', {'class': 'n'}, String(k + 1)), h('td', null, h('bdi', null, t(m.n))),
          h('td', null, m.y == null ? '' : String(m.y)), h('td', null, t(m.i)), h('td', null, t(m.h)), barCell(m.p)]));
      });
      if (c.pn != null) {
        tb.appendChild(h('tr', {'class': 'nonerow'}, [h('td'), h('td', {colspan: '4'}, W.none_of_them), barCell(c.pn, true)]));
      }
      out.push(h('div', {'class': 'scroll'}, tb));
      if (c.pn != null) {
        out.push(h('p', {'class': 'note'}, W.competitors.replace('{p}', pct(ms[0].p)).replace('{k}', String(ms.length - 1))
          .replace('{none}', pct(c.pn))));
      }
      ms.forEach(function (m, k) {
        var title = W.evidence_for + ' ' + (k + 1) + ': ' + t(m.n) + ' (' + pct(m.p) + ')';
        var d = h('details', {'class': 'ev', 'data-rank': String(k + 1)}, h('summary', null, title));
        var filled = false;
        function fill() {
          if (filled) { return; }
          filled = true;
          var ev = m.e || [];
          if (ev.length && m.c) {
            d.appendChild(h('div', {'class': 'charts'}, waterfall(ev, m.w, title)));
            if (k === 0) { d.appendChild(h('p', {'class': 'note'}, W.weight_note)); }
          } else if (ev.length) {
            d.appendChild(h('ul', {'class': 'evidence'}, ev.map(function (e) {
              var f = t(e[0]);
              return h('li', {'data-field': f}, [h('b', null, LB[f] || f), ' ', t(e[3]), ' ',
                h('span', {'class': 'fn ' + sign(e[2])}, num(e[2]))]);
            })));
          }
          if (m.k) {
            if (c.R && c.R.length || m.k.r.length) {
              d.appendChild(h('h4', null, W.kinship));
              d.appendChild(h('div', {'class': 'charts'}, kinship(c, m, W.kinship + ': ' + t(c.n) + ' / ' + t(m.n))));
              d.appendChild(h('p', {'class': 'note'}, m.k.l.length ? W.kin_note : W.kin_unpaired));
            }
            if (!m.k.r.length) { d.appendChild(h('p', {'class': 'note'}, W.kin_none)); }
          }
        }
        d.addEventListener('toggle', function () { if (d.open) { fill(); } });
        if (k === 0) { d.open = true; fill(); }
        out.push(d);
      });
      return out;
    }

    function leads(c) {
      var ls = c.l || [], out = [h('h3', null, W.leads)];
      if (!ls.length) { out.push(h('p', {'class': 'note'}, W.no_leads)); return out; }
      var tb = h('table', {'class': 'leads'}, h('tr', null, [h('th', {'class': 'n'}, W.rank), h('th', null, W.kind),
        h('th', null, W.who_where), h('th', null, W.relation), h('th', {'class': 'n'}, W.probability), h('th', null, W.reason)]));
      ls.forEach(function (r, k) {
        var who = [], kind = t(r.k);
        if (r.n != null) { who.push(h('b', null, h('bdi', null, t(r.n)))); }
        if (r.i != null) { who.push(t(r.i)); }
        if (r.h != null) { who.push(W.household + ' ' + t(r.h)); }
        if (r.x) { who.push(h('span', {'class': 'place'}, h('bdi', null, t(r.P)))); }
        var cell = h('td', {'class': 'who'});
        who.forEach(function (x, i) { if (i) { cell.appendChild(h('br')); } add(cell, x); });
        tb.appendChild(h('tr', {'data-kind': kind}, [h('td', {'class': 'n'}, String(k + 1)), h('td', null, W['kind_' + kind] || kind),
          cell, h('td', null, r.r != null ? rel(t(r.r)) : ''), h('td', {'class': 'n'}, pct(r.p)), h('td', null, t(r.t))]));
      });
      out.push(h('div', {'class': 'scroll'}, tb));
      return out;
    }

    function show(k, scroll) {
      var c = C[k];
      if (!c) { return; }
      opened = k;
      var pos = visible.indexOf(k), st = ST[c.s];
      var nav = h('span', {'class': 'nav'});
      if (pos > 0) { nav.appendChild(h('button', {type: 'button', 'data-go': String(visible[pos - 1])}, W.prev)); }
      if (pos >= 0 && pos + 1 < visible.length) { nav.appendChild(h('button', {type: 'button', 'data-go': String(visible[pos + 1])}, W.next)); }
      nav.appendChild(h('button', {type: 'button', 'data-go': 'top'}, W.top));
      detail.textContent = '';
      detail.setAttribute('data-claim', String(k));
      detail.setAttribute('data-status', st);
      add(detail, [h('div', {'class': 'claimhead'}, [h('h2', null, [t(c.i) + ' \u00b7 ', h('bdi', null, t(c.n)), ' ',
        h('span', {'class': 'badge ' + st}, W[st])]), nav])].concat(given(c), candidates(c), leads(c)));
      if (location.hash !== '#c-' + (k + 1)) { history.replaceState(null, '', '#c-' + (k + 1)); }
      draw();
      if (scroll) { detail.scrollIntoView(); }
    }
    detail.addEventListener('click', function (e) {
      var b = e.target.closest('button[data-go]');
      if (!b) { return; }
      var go = b.getAttribute('data-go');
      if (go === 'top') { window.scrollTo(0, 0); return; }
      show(+go, true);
    });
    function fromHash() {
      var m = /^#c-(\d+)$/.exec(location.hash);
      if (m) { show(+m[1] - 1, true); }
    }
    window.addEventListener('hashchange', fromHash);
    apply();
    detail.textContent = '';
    detail.appendChild(h('p', {'class': 'note', id: 'status-line'}, W.pick_claim));
    fromHash();
    document.documentElement.setAttribute('data-ready', '1');
  }

  var raw = JSON.parse(block.textContent);
  if (raw.gz === undefined) { start(raw); return; }
  if (typeof DecompressionStream === 'undefined') { line.textContent = line.getAttribute('data-old'); return; }
  var bin = atob(raw.gz), bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
  new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text()
    .then(function (text) { start(JSON.parse(text)); })
    .catch(function () { line.textContent = line.getAttribute('data-old'); });
})();
