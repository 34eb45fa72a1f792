(function () {
  'use strict';
  // With #selftest in the URL the page checks itself (used by the headless-Chromium test):
  // errors and alert() calls are counted from here on, results go to <pre id="selftest-result">.
  var selftest = window.location.hash === '#selftest';
  var errors = [];
  var alerts = 0;
  if (selftest) {
    var origError = console.error;
    console.error = function () {
      errors.push(Array.prototype.join.call(arguments, ' '));
      return origError.apply(console, arguments);
    };
    window.addEventListener('error', function (e) { errors.push(String(e.message || 'error event')); }, true);
    window.alert = function () { alerts += 1; };
  }
  document.documentElement.classList.add('js');

  function all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // Tabs.
  var tabButtons = all('.tab-button');
  function showTab(name) {
    tabButtons.forEach(function (b) {
      var on = b.getAttribute('data-tab') === name;
      b.classList.toggle('active', on);
      b.setAttribute('aria-selected', on ? 'true' : 'false');
    });
    all('section.tab').forEach(function (s) { s.classList.toggle('active', s.getAttribute('data-tab') === name); });
  }
  tabButtons.forEach(function (b) { b.addEventListener('click', function () { showTab(b.getAttribute('data-tab')); }); });
  if (tabButtons.length) { showTab(tabButtons[0].getAttribute('data-tab')); }

  // Expandable findings.
  function setExpanded(button, open) {
    var d = document.getElementById(button.getAttribute('aria-controls'));
    if (!d) { return; }
    d.classList.toggle('collapsed', !open);
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    button.textContent = open ? '\u25be' : '\u25b8';
  }
  var expandButtons = all('button.expand');
  expandButtons.forEach(function (b) {
    b.addEventListener('click', function () { setExpanded(b, b.getAttribute('aria-expanded') !== 'true'); });
  });
  var expandAll = document.getElementById('f-expand');
  if (expandAll) {
    expandAll.addEventListener('click', function () {
      var open = expandAll.textContent === 'Expand all';
      expandButtons.forEach(function (b) { setExpanded(b, open); });
      expandAll.textContent = open ? 'Collapse all' : 'Expand all';
    });
  }

  // A table body as groups: a row followed by its detail rows.
  function groups(tbody) {
    var out = [];
    Array.prototype.forEach.call(tbody.rows, function (r) {
      if (r.classList.contains('detail') && out.length) { out[out.length - 1].push(r); } else { out.push([r]); }
    });
    return out;
  }

  // Sorting: click a header; click again to reverse. Ties keep the report's order.
  all('table.sortable').forEach(function (table) {
    var tbody = table.tBodies[0];
    var heads = all('th[data-sort]', table);
    heads.forEach(function (th) {
      th.querySelector('button').addEventListener('click', function () {
        var key = 'data-' + th.getAttribute('data-sort');
        var numeric = th.getAttribute('data-type') === 'num';
        var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
        var gs = groups(tbody);
        gs.sort(function (a, b) {
          var x = a[0].getAttribute(key) || '';
          var y = b[0].getAttribute(key) || '';
          var c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
          if (c !== 0) { return c * dir; }
          return Number(a[0].getAttribute('data-idx')) - Number(b[0].getAttribute('data-idx'));
        });
        gs.forEach(function (g) { g.forEach(function (r) { tbody.appendChild(r); }); });
      });
    });
  });

  // Filters: selects match exactly, the owner box matches a substring (case-insensitive).
  var findings = document.getElementById('findings');
  var controls = all('[data-filter]');
  var count = document.getElementById('f-count');
  function applyFilters() {
    if (!findings) { return; }
    var want = {};
    controls.forEach(function (c) { want[c.getAttribute('data-filter')] = c.value.trim().toLowerCase(); });
    var shown = 0;
    var gs = groups(findings.tBodies[0]);
    gs.forEach(function (g) {
      var row = g[0];
      var ok = Object.keys(want).every(function (k) {
        if (!want[k]) { return true; }
        var have = (row.getAttribute('data-' + k) || '').toLowerCase();
        return k === 'owner' ? have.indexOf(want[k]) !== -1 : have === want[k];
      });
      g.forEach(function (r) { r.classList.toggle('filtered', !ok); });
      if (ok) { shown += 1; }
    });
    if (count) {
      count.textContent = shown === gs.length ? gs.length + ' findings' : shown + ' of ' + gs.length + ' findings shown';
    }
  }
  controls.forEach(function (c) {
    c.addEventListener('change', applyFilters);
    c.addEventListener('input', applyFilters);
  });
  var reset = document.getElementById('f-reset');
  if (reset) {
    reset.addEventListener('click', function () {
      controls.forEach(function (c) { c.value = ''; });
      applyFilters();
    });
  }
  applyFilters();

  if (!selftest) { return; }

  // ---- self-test ----
  function visibleRows() {
    return all('#findings tbody tr.finding').filter(function (r) { return r.getClientRects().length > 0; });
  }
  function setFilter(id, value) {
    var el = document.getElementById(id);
    el.value = value;
    el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input'));
  }
  var result = { checks: {} };
  function check(name, ok) { result.checks[name] = !!ok; }
  try {
    showTab('findings');
    var rows = all('#findings tbody tr.finding');
    result.total_rows = rows.length;
    check('all_rows_visible', visibleRows().length === rows.length && rows.length > 0);

    // Filter on the most severe level present (the first row: findings come most severe first).
    var sev = rows[0].getAttribute('data-severity');
    var ofSev = rows.filter(function (r) { return r.getAttribute('data-severity') === sev; }).length;
    setFilter('f-severity', sev);
    var vis = visibleRows();
    result.severity_filter = { severity: sev, visible: vis.length };
    check('severity_filter', ofSev > 0 && vis.length === ofSev &&
      vis.every(function (r) { return r.getAttribute('data-severity') === sev; }));
    reset.click();
    check('reset_shows_all', visibleRows().length === rows.length);

    var rule = rows[rows.length - 1].getAttribute('data-rule');
    setFilter('f-rule', rule);
    vis = visibleRows();
    check('rule_filter', vis.length > 0 && vis.every(function (r) { return r.getAttribute('data-rule') === rule; }));
    reset.click();

    var family = rows[0].getAttribute('data-family');
    setFilter('f-family', family);
    vis = visibleRows();
    check('family_filter', vis.length > 0 && vis.every(function (r) { return r.getAttribute('data-family') === family; }));
    reset.click();

    var owned = rows.filter(function (r) { return r.getAttribute('data-owner'); });
    var owner = owned.length ? owned[owned.length - 1].getAttribute('data-owner') : '';
    setFilter('f-owner', owner.toUpperCase());
    vis = visibleRows();
    check('owner_filter', owner !== '' && vis.length > 0 && vis.length < rows.length &&
      vis.every(function (r) { return r.getAttribute('data-owner').toLowerCase().indexOf(owner.toLowerCase()) !== -1; }));
    reset.click();

    document.querySelector('#findings th[data-sort="rule"] button').click();
    var names = visibleRows().map(function (r) { return r.getAttribute('data-rule'); });
    check('sort_by_rule', names.every(function (n, i) { return i === 0 || names[i - 1].localeCompare(n) <= 0; }));

    var first = visibleRows()[0];
    var detail = document.getElementById(first.querySelector('button.expand').getAttribute('aria-controls'));
    check('detail_collapsed', detail.getClientRects().length === 0);
    first.querySelector('button.expand').click();
    check('detail_expands', detail.getClientRects().length > 0);

    var payload = '\u003cimg src=x onerror=alert(1)\u003e';
    check('no_img_elements', document.querySelectorAll('img').length === 0);
    // Cells showing the test payload as text (the Chromium test's fixture names a token so).
    result.payload_cells = all('#findings td').filter(function (td) { return td.textContent.indexOf(payload) !== -1; }).length;
    check('no_resource_requests', (performance.getEntriesByType('resource') || []).length === 0);
  } catch (e) {
    errors.push('selftest threw: ' + e);
  }
  check('no_alerts', alerts === 0);
  check('no_errors', errors.length === 0);
  result.errors = errors;
  result.ok = Object.keys(result.checks).every(function (k) { return result.checks[k]; });
  var out = document.getElementById('selftest-result');
  out.textContent = JSON.stringify(result);
  out.hidden = false;
  console.log('tokenwarden-selftest-done ok=' + result.ok);
})();
