// Renders openapi.json as a list of operations (no third-party viewer, nothing from the network).
(function () {
  'use strict';
  var root = document.getElementById('docs');
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  fetch('/api/openapi.json').then(function (r) { return r.json(); }).then(function (doc) {
    root.appendChild(el('p', doc.info.title + ' ' + doc.info.version));
    root.appendChild(el('p', doc.info.description, 'note'));
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var sec = el('section', null, 'op');
        sec.appendChild(el('h3', method.toUpperCase() + ' ' + path));
        sec.appendChild(el('p', op.summary || ''));
        if (op.description) { sec.appendChild(el('p', op.description, 'note')); }
        (op.parameters || []).forEach(function (p) {
          sec.appendChild(el('p', p.in + ' ' + p.name + (p.required ? ' (required)' : '') + ': ' + (p.description || ''), 'note'));
        });
        if (op.requestBody) {
          var pre = el('pre', JSON.stringify(op.requestBody.content['application/json'] ?
            op.requestBody.content['application/json'].schema : op.requestBody.content, null, 1));
          sec.appendChild(pre);
        }
        sec.appendChild(el('p', 'Responses: ' + Object.keys(op.responses || {}).join(', '), 'note'));
        root.appendChild(sec);
      });
    });
  });
})();
