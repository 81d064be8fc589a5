// Queue: rows fetched page by page from /api/claims and rendered as they come into view.
(function () {
  'use strict';
  var root = document.getElementById('queue');
  var words = document.getElementById('words').dataset;
  var tbody = document.getElementById('rows');
  var more = document.getElementById('more');
  var shown = document.getElementById('shown');
  var q = document.getElementById('q');
  var commune = document.getElementById('commune');
  var tabs = [].slice.call(document.querySelectorAll('button[data-status]'));
  var pageSize = parseInt(root.dataset.pageSize, 10) || 100;
  var state = {status: '', offset: 0, total: 0, loading: false, seq: 0};
  tabs.forEach(function (b) { if (b.getAttribute('aria-pressed') === 'true') { state.status = b.dataset.status; } });

  function td(text, cls) {
    var el = document.createElement('td');
    if (cls) { el.className = cls; }
    el.textContent = text == null ? '' : String(text);
    return el;
  }
  function row(r) {
    var tr = document.createElement('tr');
    tr.className = 'qrow';
    tr.dataset.claimId = r.claim_id;
    var a = document.createElement('a');
    a.href = '/claim/' + encodeURIComponent(r.claim_id);
    a.textContent = r.claim_id;
    var first = document.createElement('td');
    first.appendChild(a);
    tr.appendChild(first);
    tr.appendChild(td(r.name));
    tr.appendChild(td(r.commune));
    var st = document.createElement('td');
    var badge = document.createElement('span');
    badge.className = 'badge ' + r.status;
    badge.textContent = words[r.status] || r.status;
    st.appendChild(badge);
    tr.appendChild(st);
    var top = r.verdict === 'confirm' ? r.verdict_person : (r.verdict === 'none' ? words.noneOfThem : r.top_name);
    tr.appendChild(td(top));
    tr.appendChild(td(r.top_p == null || r.verdict ? '' : (r.top_p * 100).toFixed(1) + '%', 'n'));
    return tr;
  }
  function url(offset) {
    var p = new URLSearchParams();
    if (state.status) { p.set('status', state.status); }
    if (q.value.trim()) { p.set('q', q.value.trim()); }
    if (commune.value) { p.set('commune', commune.value); }
    p.set('offset', String(offset));
    p.set('limit', String(pageSize));
    return '/api/claims?' + p.toString();
  }
  function load(reset) {
    if (reset) { state.offset = 0; state.seq += 1; }
    else if (state.loading || state.offset >= state.total) { return; }
    var seq = state.seq;
    state.loading = true;
    fetch(url(state.offset), {credentials: 'same-origin'}).then(function (r) { return r.json(); }).then(function (data) {
      if (seq !== state.seq) { return; }
      if (reset) { tbody.textContent = ''; }
      var frag = document.createDocumentFragment();
      data.rows.forEach(function (r) { frag.appendChild(row(r)); });
      tbody.appendChild(frag);
      state.total = data.total;
      state.offset += data.rows.length;
      var all = 0;
      Object.keys(data.counts).forEach(function (k) {
        all += data.counts[k];
        var el = document.querySelector('[data-count="' + k + '"]');
        if (el) { el.textContent = '(' + data.counts[k] + ')'; }
      });
      var el = document.querySelector('[data-count="all"]');
      if (el) { el.textContent = '(' + all + ')'; }
      shown.textContent = state.offset + ' ' + words.of + ' ' + state.total + ' ' + words.shown;
      more.textContent = state.total === 0 ? words.noRows : '';
      document.body.dataset.ready = '1';
      window.__queueRendered = performance.now();
    }).finally(function () { if (seq === state.seq) { state.loading = false; } });
  }
  var timer = null;
  q.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { load(true); }, 120); });
  commune.addEventListener('change', function () { load(true); });
  tabs.forEach(function (b) {
    b.addEventListener('click', function () {
      state.status = b.dataset.status;
      tabs.forEach(function (o) { o.setAttribute('aria-pressed', o === b ? 'true' : 'false'); });
      load(true);
    });
  });
  new IntersectionObserver(function (entries) {
    if (entries[0].isIntersecting) { load(false); }
  }, {rootMargin: '600px'}).observe(more);
  load(true);
})();
