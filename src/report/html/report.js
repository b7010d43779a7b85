/*
 * report.js - the viewer inside nmexpert's HTML report (report_html.c).
 *
 * It reads two JSON blocks of the page: "nmx-report", the JSON report of
 * version 2, and "nmx-erp", the Event Reference Pages of each expert
 * ({ident: html or null}, in the order of the report's experts), and draws:
 *  - the capture summary;
 *  - one article per expert, grouped by the viewer its Register flags ask
 *    for (the shared Event Viewer, a private one, or none; spec 1.8);
 *  - a chart for each of the six built-in experts (SVG, every mark of class
 *    "mark", their number in the figure's data-marks);
 *  - a table per event kind that sorts by any column (numbers as numbers,
 *    times as times) and filters by text, drawing only the rows in view, so
 *    that 100,000 events stay fast;
 *  - the Event Reference Page of the selected row, in a sandboxed frame.
 *
 * The charts are SVG drawn here, not Chart.js (Debian's libjs-chart.js):
 * bars, ranges and a time line take a few hundred lines, while Chart.js
 * would add some 200 kB to every report and draw on a canvas, whose marks
 * neither the tests nor a screen reader can see.
 *
 * Safety: every string of the report comes from a capture or an expert.
 * It reaches the page through textContent, setAttribute on attributes the
 * viewer names itself, or an ERP frame's srcdoc (sandboxed, no scripts),
 * never as markup.
 */
(function () {
  'use strict';

  var SVGNS = 'http://www.w3.org/2000/svg';
  var ROW_H = 24;          /* px; the CSS gives .tr this height */
  var ROWS_SHOWN = 16;     /* rows a table shows before it scrolls */
  var TIMELINE_MAX = 4000; /* retransmissions drawn one by one; more are binned */

  var R = JSON.parse(document.getElementById('nmx-report').textContent);
  var ERP = JSON.parse(document.getElementById('nmx-erp').textContent);

  /* ---- DOM helpers --------------------------------------------------------- */

  function add(parent, kids) {
    (Array.isArray(kids) ? kids : [kids]).forEach(function (k) {
      if (k === null || k === undefined) return;
      parent.appendChild(typeof k === 'object' ? k : document.createTextNode(String(k)));
    });
    return parent;
  }

  /* An element; attrs are names this file chooses, values may be data. */
  function h(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else e.setAttribute(k, String(attrs[k]));
    });
    return add(e, kids || []);
  }

  function svg(tag, attrs, kids) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else e.setAttribute(k, String(attrs[k]));
    });
    return add(e, kids || []);
  }

  /* Text as HTML, for the one page built as markup: an ERP frame's stand-in. */
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }

  /* ---- values ----------------------------------------------------------------- */

  var collator = new Intl.Collator('en', {numeric: true, sensitivity: 'base'});

  function isNum(v) { return typeof v === 'number' && isFinite(v); }

  function numKind(name) {
    if (/\(s\)\s*$/.test(name)) return 'seconds';
    if (/%/.test(name)) return 'percent';
    return 'real';
  }

  /* One formatter for every number: toLocaleString makes a new one per call,
   * which is what made filtering 100,000 rows slow. */
  var intFormat = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0});

  function fmtInt(v) { return isNum(v) ? intFormat.format(v) : ''; }

  function fmtReal(v, name) {
    if (!isNum(v)) return '';
    var k = numKind(name || '');
    if (k === 'percent') return v.toFixed(2);
    if (k === 'seconds') return String(Number(v.toFixed(6)));
    return String(Number(v.toPrecision(10)));
  }

  function fmtBytes(v) {
    if (!isNum(v)) return '';
    var u = ['B', 'kB', 'MB', 'GB', 'TB'], i = 0;
    while (v >= 1000 && i < u.length - 1) { v /= 1000; i++; }
    return (i === 0 ? String(v) : v.toFixed(1)) + ' ' + u[i];
  }

  /* A cell's text by its column's type. */
  function cellText(type, name, v, where) {
    if (v === null || v === undefined) return '';
    switch (type) {
      case 'integer': return isNum(v) ? fmtInt(v) : String(v);
      case 'number': return isNum(v) ? fmtReal(v, name) : String(v);
      case 'frame': return where ? String(v) + ' (' + where + ')' : String(v);
      case 'boolean': return v === true ? 'yes' : v === false ? 'no' : String(v);
      default: return String(v);
    }
  }

  function ipv4Key(s) {
    var m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
    return m ? ((+m[1] * 256 + +m[2]) * 256 + +m[3]) * 256 + +m[4] : null;
  }

  /* How a column compares: numbers numerically, times as instants, the rest as text. */
  function comparer(type) {
    if (type === 'integer' || type === 'number' || type === 'frame') {
      return function (a, b) {
        var x = isNum(a) ? a : -Infinity, y = isNum(b) ? b : -Infinity;
        return x < y ? -1 : x > y ? 1 : 0;
      };
    }
    if (type === 'time') {
      return function (a, b) {
        var x = a ? Date.parse(a) : -Infinity, y = b ? Date.parse(b) : -Infinity;
        if (isNaN(x)) x = -Infinity;
        if (isNaN(y)) y = -Infinity;
        return x < y ? -1 : x > y ? 1 : 0;
      };
    }
    if (type === 'ipv4') {
      return function (a, b) {
        var x = ipv4Key(a || ''), y = ipv4Key(b || '');
        return (x === null ? -1 : x) - (y === null ? -1 : y);
      };
    }
    return function (a, b) {
      if (isNum(a) && isNum(b)) return a - b;
      if (isNum(a) !== isNum(b)) return isNum(a) ? -1 : 1;
      return collator.compare(a === null || a === undefined ? '' : String(a),
                              b === null || b === undefined ? '' : String(b));
    };
  }

  /* ---- the fixed columns (spec 2.8) ------------------------------------------------ */

  var SEVERITY = ['Informational', 'Warning', 'Strong warning', 'Error', 'Severe error', 'Critical error'];
  var FIXED = [
    {name: 'Severity', hide: 0x80000000, get: function (e) { return SEVERITY[e.severity] || String(e.severity); }},
    {name: 'Source', hide: 0x40000000, get: function (e) { return e.source; }},
    {name: 'Event Name', hide: 0x20000000, get: function (e) { return e.name; }},
    {name: 'Description', hide: 0x10000000, get: function (e) { return e.description; }},
    {name: 'Machine', hide: 0x08000000, get: function (e) { return e.machine || ''; }},
    {name: 'Date', hide: 0x02000000, get: function (e) { return e.time ? e.time.slice(0, 10) : ''; }},
    {name: 'Time', hide: 0x04000000, get: function (e) { return e.time ? e.time.slice(11) : ''; }}
  ];

  /* The columns of one event kind's table: the fixed columns some event shows, then the expert's. */
  function kindColumns(kind, events) {
    var cols = [];
    FIXED.forEach(function (f, i) {
      var shown = events.some(function (e) {
        return !((e.flags >>> 0) & f.hide) && (i < 2 || f.get(e) !== '');
      });
      if (shown) {
        cols.push({name: f.name, type: f.name === 'Severity' ? 'severity' : 'string', fixed: true,
                   get: function (e) { return (e.flags >>> 0) & f.hide ? '' : f.get(e); },
                   sortget: f.name === 'Severity' ? function (e) { return e.severity; } : null});
      }
    });
    (kind.columns || []).forEach(function (c) {
      cols.push({name: c.name, type: c.type, get: function (e) {
        var v = e.values ? e.values[c.name] : undefined;
        return v === undefined ? null : v;
      }});
    });
    return cols;
  }

  /* ---- tables ---------------------------------------------------------------------- */

  /*
   * A table of `rows` (events) with `cols`; it draws only the rows in view.
   * onSelect(row) is called when a row is chosen.
   */
  function Table(cols, rows, onSelect, label, id) {
    var order = rows.map(function (_, i) { return i; });
    var sortCol = -1, sortDir = 1, query = '', selected = -1;
    var texts = null; /* each row's text, lower-case, built on the first filter */
    var nums = cols.map(function (c) {
      return c.type === 'integer' || c.type === 'number' || c.type === 'frame' || c.type === 'severity';
    });
    var template = 'grid-template-columns: ' + cols.map(function (c, i) {
      return nums[i] ? 'minmax(6em, max-content)' : 'minmax(9em, 1fr)';
    }).join(' ');

    var root = h('div', {class: 'tbl', id: id, 'data-label': label});
    var filter = h('input', {type: 'search', class: 'filter', placeholder: 'Filter rows',
                             'aria-label': 'Filter the rows of ' + label});
    var count = h('span', {class: 'count'});
    add(root, h('div', {class: 'toolbar'}, [filter, count]));
    var vp = h('div', {class: 'vp', role: 'table', 'aria-label': label});
    var head = h('div', {class: 'thead tr', role: 'row', style: template});
    var body = h('div', {class: 'tbody'});
    var slab = h('div', {class: 'slab'});
    add(body, slab);
    add(vp, [head, body]);
    add(root, vp);

    cols.forEach(function (c, i) {
      var b = h('button', {type: 'button', class: 'th' + (nums[i] ? ' num' : ''), role: 'columnheader',
                           'data-col': i, 'data-type': c.type, 'aria-sort': 'none', text: c.name});
      b.addEventListener('click', function () { sortBy(i); });
      add(head, b);
    });

    function raw(r, i) { return cols[i].sortget ? cols[i].sortget(r) : cols[i].get(r); }

    function text(r, i) {
      var c = cols[i];
      var where = c.type === 'frame' && r.frame_files ? r.frame_files[c.name] : null;
      return c.fixed ? c.get(r) : cellText(c.type, c.name, c.get(r), where);
    }

    function refilter() {
      if (query !== '' && texts === null) {
        texts = rows.map(function (r) {
          return cols.map(function (_, i) { return text(r, i); }).join('\u0001').toLowerCase();
        });
      }
      order = [];
      for (var i = 0; i < rows.length; i++)
        if (query === '' || texts[i].indexOf(query) >= 0) order.push(i);
      resort();
    }

    function resort() {
      if (sortCol >= 0) {
        var cmp = cols[sortCol].type === 'severity' ? comparer('integer') : comparer(cols[sortCol].type);
        order.sort(function (a, b) { return sortDir * cmp(raw(rows[a], sortCol), raw(rows[b], sortCol)) || a - b; });
      }
      count.textContent = order.length === rows.length ? rows.length + ' rows'
                                                       : order.length + ' of ' + rows.length + ' rows';
      body.style.height = order.length * ROW_H + 'px';
      vp.style.maxHeight = (ROWS_SHOWN + 1) * ROW_H + 2 + 'px';
      draw(true);
    }

    function sortBy(i) {
      sortDir = sortCol === i ? -sortDir : 1;
      sortCol = i;
      Array.prototype.forEach.call(head.children, function (b, k) {
        b.setAttribute('aria-sort', k !== i ? 'none' : sortDir > 0 ? 'ascending' : 'descending');
      });
      resort();
    }

    var drawn = null; /* the rows on the page: "first:last", until something changes */

    function draw(force) {
      var top = Math.max(0, vp.scrollTop - ROW_H);
      var first = Math.max(0, Math.floor(top / ROW_H) - 4);
      var last = Math.min(order.length, first + ROWS_SHOWN + 12);
      if (!force && drawn === first + ':' + last) return;
      drawn = first + ':' + last;
      slab.style.transform = 'translateY(' + first * ROW_H + 'px)';
      slab.textContent = '';
      for (var p = first; p < last; p++) {
        var ri = order[p], r = rows[ri];
        var tr = h('div', {class: 'tr' + (ri === selected ? ' sel' : ''), role: 'row', style: template,
                           'data-row': ri, 'aria-selected': ri === selected ? 'true' : 'false'});
        for (var i = 0; i < cols.length; i++) {
          var t = text(r, i), v = raw(r, i);
          add(tr, h('div', {class: 'td' + (nums[i] ? ' num' : ''), role: 'cell', title: t,
                            'data-v': v === null || v === undefined ? '' : String(v), text: t}));
        }
        tr.addEventListener('click', choose.bind(null, ri));
        add(slab, tr);
      }
    }

    function choose(ri) {
      selected = ri;
      draw(true);
      onSelect(rows[ri]);
    }

    var pending = false;
    vp.addEventListener('scroll', function () {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () { pending = false; draw(); });
    });
    filter.addEventListener('input', function () {
      query = filter.value.toLowerCase();
      refilter();
    });
    resort();
    return root;
  }

  /* ---- Event Reference Pages ---------------------------------------------------------- */

  function erpPane() {
    var pane = h('section', {class: 'erp', 'aria-label': 'Event Reference Page'});
    var caption = h('p', {class: 'erp-caption', text: 'Select an event to see its Event Reference Page.'});
    var frame = h('iframe', {sandbox: '', title: 'Event Reference Page', class: 'erp-frame', hidden: ''});
    add(pane, [caption, frame]);
    return {
      el: pane,
      show: function (x, kind, ev) {
        var page = ERP[x] ? ERP[x][String(ev.ident)] : null;
        var e = R.experts[x];
        caption.textContent = e.name + ': event ' + ev.ident + (kind.title ? ' (' + kind.title + ')' : '') +
                              (page ? '' : ': no Event Reference Page installed');
        frame.removeAttribute('hidden');
        frame.setAttribute('data-erp', page ? 'installed' : 'missing');
        frame.setAttribute('data-ident', ev.ident);
        frame.srcdoc = page ? withStyle(page) : standIn(e, kind, ev);
      }
    };
  }

  var ERP_STYLE = '<style>body{font:14px/1.45 system-ui,sans-serif;margin:12px 16px;color:#1d2430}' +
                  'h1{font-size:18px}h2{font-size:15px;margin:14px 0 4px}table{border-collapse:collapse}' +
                  'th,td{text-align:left;border-bottom:1px solid #e3e7ee;padding:2px 10px 2px 0;vertical-align:top}' +
                  'code{font-size:13px;background:#f1f3f7;padding:0 3px;border-radius:3px}</style>';

  /* The page with the report's look, unless it styles itself (its own rules come later and win). */
  function withStyle(page) {
    var head = /<head[^>]*>/i.exec(page);
    return head ? page.slice(0, head.index + head[0].length) + ERP_STYLE + page.slice(head.index + head[0].length)
                : page;
  }

  /* What the pane shows when the expert has no page for the event: the event itself. */
  function standIn(e, kind, ev) {
    var rows = Object.keys(ev.values || {}).map(function (k) {
      return '<tr><th>' + esc(k) + '</th><td>' + esc(ev.values[k] === null ? '' : ev.values[k]) + '</td></tr>';
    }).join('');
    return '<!DOCTYPE html><meta charset="utf-8"><style>body{font:14px system-ui,sans-serif;margin:1em}' +
      'th{text-align:left;padding-right:1em}</style><h1>' + esc(kind.title || ev.name || 'Event ' + ev.ident) +
      '</h1><p>' + esc(e.name) + ' installs no Event Reference Page for event ' + esc(ev.ident) +
      '. nmexpert looks for <code>bok/experts/' + esc(e.module) + '/' + esc(e.module) + esc(ev.ident) +
      '.htm</code> next to the expert and in its data directory.</p>' +
      (ev.description ? '<p>' + esc(ev.description) + '</p>' : '') + '<table>' + rows + '</table>';
  }

  /* ---- charts -------------------------------------------------------------------------------- */

  function eventsOf(e, ident) {
    return e.events.filter(function (ev) { return ev.ident === ident; });
  }

  function val(ev, name) {
    var v = ev.values ? ev.values[name] : undefined;
    return isNum(v) ? v : null;
  }

  function figure(e, title, marks, body, legend) {
    var f = h('figure', {class: 'chart', 'data-expert': e.module, 'data-marks': marks});
    add(f, h('figcaption', {text: title}));
    if (legend) add(f, legend);
    add(f, body);
    return f;
  }

  function legendOf(names) {
    return h('p', {class: 'legend'}, names.map(function (n, i) {
      return h('span', {class: 'key s' + i}, [h('i', {'aria-hidden': 'true'}), n]);
    }));
  }

  /*
   * Horizontal bars: rows [{label, values: [...], tips: [...]}], one bar per
   * value (series s0, s1, ...), scaled to `max` (or the largest value).
   */
  function hbars(rows, nseries, fmt, max, width) {
    var W = width || 760, LABEL = width ? 130 : 230, BAR = 10, GAP = 8;
    var rowH = nseries * BAR + GAP, H = rows.length * rowH + 24;
    var top = max || 0;
    rows.forEach(function (r) { r.values.forEach(function (v) { if (isNum(v) && v > top) top = v; }); });
    if (top <= 0) top = 1;
    var s = svg('svg', {viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img', class: 'bars'});
    var plotW = W - LABEL - 70, marks = 0;
    rows.forEach(function (r, i) {
      var y = i * rowH + 4;
      add(s, svg('text', {x: LABEL - 8, y: y + nseries * BAR / 2 + 4, 'text-anchor': 'end', class: 'lbl',
                          text: r.label.length > 40 ? r.label.slice(0, 39) + '\u2026' : r.label}));
      r.values.forEach(function (v, k) {
        var w = isNum(v) ? Math.max(1, v / top * plotW) : 0;
        var rect = svg('rect', {x: LABEL, y: y + k * BAR, width: w, height: BAR - 1, class: 'mark s' + k,
                                'data-v': isNum(v) ? v : ''});
        add(rect, svg('title', {text: r.label + ': ' + (r.tips ? r.tips[k] : fmt(v))}));
        add(s, rect);
        add(s, svg('text', {x: LABEL + w + 4, y: y + k * BAR + BAR - 2, class: 'val', text: fmt(v)}));
        marks++;
      });
    });
    add(s, svg('line', {x1: LABEL, x2: LABEL, y1: 0, y2: H - 20, class: 'axis'}));
    return {el: s, marks: marks};
  }

  var charts = {
    protdist: function (e) {
      var evs = eventsOf(e, 1);
      if (!evs.length) return null;
      var rows = evs.map(function (ev) {
        return {label: String(ev.values.Protocol), values: [val(ev, '% Frames'), val(ev, '% Bytes')],
                tips: [fmtInt(val(ev, 'Frames')) + ' frames (' + fmtReal(val(ev, '% Frames'), '%') + ' %)',
                       fmtBytes(val(ev, 'Bytes')) + ' (' + fmtReal(val(ev, '% Bytes'), '%') + ' %)']};
      });
      var b = hbars(rows, 2, function (v) { return fmtReal(v, '%') + ' %'; }, 100);
      return figure(e, 'Share of frames and bytes by protocol', b.marks, b.el, legendOf(['% of frames', '% of bytes']));
    },
    topuser: function (e) {
      var evs = eventsOf(e, 1);
      if (!evs.length) return null;
      var box = h('div', {class: 'pair'});
      var bytes = hbars(evs.map(function (ev) {
        return {label: String(ev.values.Address), values: [val(ev, 'Bytes Sent'), val(ev, 'Bytes Received')]};
      }), 2, fmtBytes, 0, 480);
      var frames = hbars(evs.map(function (ev) {
        return {label: String(ev.values.Address), values: [val(ev, 'Frames Sent'), val(ev, 'Frames Received')]};
      }), 2, fmtInt, 0, 480);
      add(box, [h('div', {}, [h('h4', {text: 'Bytes'}), bytes.el]), h('div', {}, [h('h4', {text: 'Frames'}), frames.el])]);
      return figure(e, 'Bytes and frames sent and received by address', bytes.marks + frames.marks, box,
                    legendOf(['sent', 'received']));
    },
    resptime: function (e) {
      var evs = eventsOf(e, 1);
      if (!evs.length) return null;
      return figure(e, 'Response time by server: min to max, average (dot), median, P95 and P99 (ticks)',
                    evs.length, rangeChart(evs), legendOf(['min to max', 'average', 'percentiles']));
    },
    tcpretrans: function (e) {
      var evs = eventsOf(e, 1);
      if (!evs.length) return null;
      var t = timeline(evs);
      return figure(e, t.title, t.marks, t.el, legendOf(['data', 'SYN/FIN', 'keep-alive and other']));
    },
    propdist: function (e) {
      var evs = eventsOf(e, 2).slice().sort(function (a, b) { return (val(b, 'Count') || 0) - (val(a, 'Count') || 0); });
      if (!evs.length) return null;
      evs = evs.slice(0, 20);
      var b = hbars(evs.map(function (ev) {
        return {label: String(ev.values.Value), values: [val(ev, 'Count')]};
      }), 1, fmtInt);
      var sum = eventsOf(e, 1)[0];
      var what = sum ? String(sum.values.Property) : 'the property';
      return figure(e, 'Top ' + evs.length + ' values of ' + what, b.marks, b.el);
    },
    coalesce: function (e) {
      var ev = eventsOf(e, 1)[0];
      if (!ev) return null;
      var names = ['Frames Read', 'Frames Written', 'Frames Copied', 'Frames Converted', 'Frames Dropped',
                   'TCP Segments', 'Transactions Coalesced', 'Connections'];
      var rows = names.filter(function (n) { return val(ev, n) !== null; }).map(function (n) {
        return {label: n, values: [val(ev, n)]};
      });
      var b = hbars(rows, 1, fmtInt);
      return figure(e, 'What coalescing did', b.marks, b.el);
    }
  };

  /* Response times, one row per server, on a log scale when they span decades. */
  function rangeChart(evs) {
    var W = 760, LABEL = 230, ROW = 22;
    var H = evs.length * ROW + 30, plotW = W - LABEL - 20;
    var lo = Infinity, hi = 0;
    evs.forEach(function (ev) {
      ['Min (s)', 'Max (s)', 'Average Response Time (s)'].forEach(function (n) {
        var v = val(ev, n);
        if (v !== null && v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      });
    });
    if (!(hi > 0)) { lo = 1e-6; hi = 1; }
    var log = hi / lo > 100;
    function x(v) {
      if (!isNum(v) || v < 0) return LABEL;
      if (log) return LABEL + plotW * (Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo) || 1);
      return LABEL + plotW * v / hi;
    }
    var s = svg('svg', {viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img', class: 'ranges'});
    evs.forEach(function (ev, i) {
      var y = i * ROW + 12, v = ev.values;
      var label = String(v.Server) + ':' + v.Port + ' ' + (v.Protocol || '');
      add(s, svg('text', {x: LABEL - 8, y: y + 4, 'text-anchor': 'end', class: 'lbl', text: label}));
      var g = svg('g', {class: 'mark', 'data-v': val(ev, 'Average Response Time (s)')});
      add(g, svg('title', {text: label + ': ' + v.Requests + ' requests, average ' +
                           fmtReal(val(ev, 'Average Response Time (s)'), '(s)') + ' s, min ' +
                           fmtReal(val(ev, 'Min (s)'), '(s)') + ' s, max ' + fmtReal(val(ev, 'Max (s)'), '(s)') + ' s'}));
      add(g, svg('line', {x1: x(val(ev, 'Min (s)')), x2: x(val(ev, 'Max (s)')), y1: y, y2: y, class: 's0 range'}));
      ['Median (s)', 'P95 (s)', 'P99 (s)'].forEach(function (n) {
        if (val(ev, n) !== null)
          add(g, svg('line', {x1: x(val(ev, n)), x2: x(val(ev, n)), y1: y - 5, y2: y + 5, class: 's2 tick'}));
      });
      add(g, svg('circle', {cx: x(val(ev, 'Average Response Time (s)')), cy: y, r: 4, class: 's1'}));
      add(s, g);
    });
    var ticks = log ? [lo, Math.sqrt(lo * hi), hi] : [0, hi / 2, hi];
    ticks.forEach(function (t) {
      add(s, svg('text', {x: x(t), y: H - 4, 'text-anchor': 'middle', class: 'val', text: fmtReal(t, '(s)') + ' s'}));
    });
    add(s, svg('text', {x: W - 4, y: H - 16, 'text-anchor': 'end', class: 'val', text: log ? 'log scale' : 'linear scale'}));
    return s;
  }

  /* Retransmissions over capture time, one lane per connection. */
  function timeline(evs) {
    var lanes = [], laneOf = {};
    function key(ev) {
      var v = ev.values, a = v.Source + ' ' + v['Source Port'], b = v.Destination + ' ' + v['Destination Port'];
      return a < b ? a + ' \u2194 ' + b : b + ' \u2194 ' + a;
    }
    var timed = evs.every(function (ev) { return ev.frame_times && isNum(ev.frame_times.Frame); });
    function when(ev) { return timed ? ev.frame_times.Frame : val(ev, 'Frame'); }
    /* The whole capture: from its first frame to its last (or frame 1 to the last frame). */
    var cap = R.capture || {};
    var t0 = timed ? 0 : 1, t1 = timed ? (isNum(cap.duration) ? cap.duration : -Infinity)
                                      : (isNum(cap.frames) ? cap.frames : -Infinity);
    evs.forEach(function (ev) {
      var k = key(ev);
      if (!(k in laneOf)) { laneOf[k] = lanes.length; lanes.push(k); }
      var t = when(ev);
      if (isNum(t)) { t0 = Math.min(t0, t); t1 = Math.max(t1, t); }
    });
    if (!(t1 >= t0)) { t0 = 0; t1 = 1; }
    if (t1 === t0) t1 = t0 + 1;
    var MAXL = 24, shown = Math.min(lanes.length, MAXL);
    var W = 760, LABEL = 300, ROW = 18, H = (shown + (lanes.length > MAXL ? 1 : 0)) * ROW + 30, plotW = W - LABEL - 20;
    function lane(ev) { var l = laneOf[key(ev)]; return l < MAXL ? l : MAXL; }
    function x(t) { return LABEL + plotW * (t - t0) / (t1 - t0); }
    var s = svg('svg', {viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img', class: 'timeline'});
    lanes.slice(0, MAXL).forEach(function (k, i) {
      add(s, svg('text', {x: LABEL - 8, y: i * ROW + 14, 'text-anchor': 'end', class: 'lbl', text: k}));
    });
    if (lanes.length > MAXL)
      add(s, svg('text', {x: LABEL - 8, y: MAXL * ROW + 14, 'text-anchor': 'end', class: 'lbl',
                          text: (lanes.length - MAXL) + ' more connections'}));
    var marks = 0;
    function series(ev) {
      var t = String(ev.values.Type || '');
      return t === 'data' ? 0 : /SYN|FIN/.test(t) ? 1 : 2;
    }
    if (evs.length <= TIMELINE_MAX) {
      evs.forEach(function (ev) {
        var t = when(ev);
        if (!isNum(t)) return;
        var c = svg('circle', {cx: x(t), cy: lane(ev) * ROW + 10, r: 4, class: 'mark s' + series(ev),
                               'data-v': t});
        add(c, svg('title', {text: 'frame ' + ev.values.Frame + ' (' + ev.values.Type + '), ' +
                             (timed ? fmtReal(t, '(s)') + ' s' : 'frame ' + t)}));
        add(s, c);
        marks++;
      });
    } else {
      /* Too many to draw one by one: 200 bins of time per lane, darker for more. */
      var bins = {}, NB = 200;
      evs.forEach(function (ev) {
        var t = when(ev);
        if (!isNum(t)) return;
        var b = lane(ev) + ':' + Math.min(NB - 1, Math.floor((t - t0) / (t1 - t0) * NB));
        bins[b] = (bins[b] || 0) + 1;
      });
      var most = 0;
      Object.keys(bins).forEach(function (b) { most = Math.max(most, bins[b]); });
      Object.keys(bins).forEach(function (b) {
        var p = b.split(':'), l = +p[0], n = +p[1];
        var r = svg('rect', {x: LABEL + plotW * n / NB, y: l * ROW + 4, width: Math.max(1, plotW / NB), height: 12,
                             class: 'mark s0', 'fill-opacity': 0.25 + 0.75 * bins[b] / most, 'data-v': bins[b]});
        add(r, svg('title', {text: bins[b] + ' retransmissions'}));
        add(s, r);
        marks++;
      });
    }
    add(s, svg('text', {x: LABEL, y: H - 4, class: 'val', text: timed ? fmtReal(t0, '(s)') + ' s' : 'frame ' + t0}));
    add(s, svg('text', {x: W - 20, y: H - 4, 'text-anchor': 'end', class: 'val',
                        text: timed ? fmtReal(t1, '(s)') + ' s after the first frame' : 'frame ' + t1}));
    return {el: s, marks: marks,
            title: 'Retransmissions over ' + (timed ? 'capture time' : 'frame numbers') + ', by connection'};
  }

  /* ---- the page ---------------------------------------------------------------------------- */

  function dl(pairs) {
    var d = h('dl', {class: 'facts'});
    pairs.forEach(function (p) {
      if (p[1] === null || p[1] === undefined || p[1] === '') return;
      add(d, [h('dt', {text: p[0]}), h('dd', {'data-k': p[2] || '', 'data-v': p[3] === undefined ? p[1] : p[3],
                                             text: p[1]})]);
    });
    return d;
  }

  function summary() {
    var c = R.capture || {}, run = R.run || {};
    var files = (c.files || []).map(function (f) { return f.path + ' (' + fmtInt(f.frames) + ' frames)'; });
    var rg = run.range;
    var range = rg ? [rg.first_frame ? 'from frame ' + rg.first_frame : '', rg.last_frame ? 'to frame ' + rg.last_frame : '',
                      rg.start ? 'from ' + rg.start : '', rg.end ? 'to ' + rg.end : ''].filter(Boolean).join(', ') : '';
    var damage = c.damage ? (c.damage.message || JSON.stringify(c.damage)) : 'none';
    var sec = h('section', {id: 'summary', class: 'card'});
    add(sec, h('h2', {text: 'Capture'}));
    add(sec, dl([
      [files.length > 1 ? 'Files' : 'File', files.join('; ') || (run.captures || []).join('; '), 'files'],
      ['Format', c.format_detail || c.format, 'format'],
      ['Compression', c.compression, 'compression'],
      ['Frames', fmtInt(c.frames), 'frames', c.frames],
      ['Bytes', fmtInt(c.bytes) + (isNum(c.bytes) ? ' (' + fmtBytes(c.bytes) + ')' : ''), 'bytes', c.bytes],
      ['Link types', (c.link_types || []).join(', '), 'link_types'],
      ['First frame', c.first_time, 'first_time'],
      ['Last frame', c.last_time, 'last_time'],
      ['Duration', isNum(c.duration) ? fmtReal(c.duration, '(s)') + ' s' : '', 'duration', c.duration],
      ['Damage', damage, 'damage'],
      ['Display filter', run.display_filter || 'none', 'display_filter'],
      ['Range', range, 'range'],
      ['Comments', (c.comments || []).length ? String(c.comments.length) : '', 'comments'],
      ['nmexpert', R.nmexpert_version, 'version']
    ]));
    return sec;
  }

  function settingsText(s) {
    if (!s) return 'defaults';
    if (isNum(s.raw_bytes)) return s.raw_bytes + ' bytes of configuration';
    var keys = Object.keys(s);
    return keys.length ? keys.map(function (k) { return k + '=' + s[k]; }).join(', ') : 'defaults';
  }

  function article(e, x) {
    var a = h('article', {class: 'expert card', id: 'expert-' + x, 'data-module': e.module, 'data-viewer': e.viewer || 'shared'});
    add(a, h('h3', {text: e.name}));
    var ok = e.outcome === 'completed';
    add(a, h('p', {class: 'status ' + (ok ? 'ok' : 'bad')}, [
      h('span', {class: 'badge', text: e.outcome + ', ' + e.status}), ' ',
      e.message ? e.message + ' \u00b7 ' : '',
      fmtInt(e.frames_read) + ' frames read \u00b7 ' + fmtInt(e.events.length) + ' events \u00b7 ' +
      fmtInt(e.elapsed_ms) + ' ms \u00b7 ' + e.module + ' \u00b7 settings: ' + settingsText(e.settings)]));
    if (e.viewer === 'none') {
      add(a, h('p', {class: 'note', text: 'This expert asks for no event viewer (EXPERT_ENUM_FLAG_NO_VIEWER).'}));
      return a;
    }
    var chart = charts.hasOwnProperty(e.module) ? charts[e.module](e) : null;
    if (chart) add(a, chart);
    var pane = erpPane();
    var ntab = 0;
    (e.event_kinds || []).forEach(function (k) {
      var evs = eventsOf(e, k.ident);
      if (!evs.length) return;
      var id = 'nmx-t-' + x + '-' + ntab++;
      var label = e.name + (k.title ? ': ' + k.title : (e.event_kinds.length > 1 ? ': event ' + k.ident : ''));
      add(a, h('h4', {text: (k.title || 'Events') + ' (' + fmtInt(evs.length) + ')'}));
      add(a, Table(kindColumns(k, evs), evs, function (ev) { pane.show(x, k, ev); }, label, id));
    });
    if (!e.events.length)
      add(a, h('p', {class: 'note', text: 'No events.'}));
    else
      add(a, pane.el);
    return a;
  }

  function build() {
    var app = document.getElementById('app');
    var names = (R.run && R.run.captures) || [];
    add(app, h('header', {}, [h('h1', {text: 'nmexpert report'}),
                             h('p', {class: 'sub', text: names.join(', ')})]));
    var nav = h('nav', {'aria-label': 'Experts'});
    R.experts.forEach(function (e, x) { add(nav, h('a', {href: '#expert-' + x, text: e.name})); });
    add(app, nav);
    add(app, summary());
    var groups = [
      {viewer: 'shared', title: 'Event Viewer',
       note: 'The experts that share the Event Viewer.'},
      {viewer: 'private', title: 'Private viewers',
       note: 'Experts that asked for a viewer of their own (EXPERT_ENUM_FLAG_VIEWER_PRIVATE).'},
      {viewer: 'none', title: 'Experts without a viewer', note: ''}
    ];
    groups.forEach(function (g) {
      var members = [];
      R.experts.forEach(function (e, x) { if ((e.viewer || 'shared') === g.viewer) members.push(x); });
      if (!members.length) return;
      var sec = h('section', {class: 'viewer', 'data-viewer': g.viewer}, [h('h2', {text: g.title})]);
      if (g.note) add(sec, h('p', {class: 'note', text: g.note}));
      members.forEach(function (x) { add(sec, article(R.experts[x], x)); });
      add(app, sec);
    });
    add(app, h('footer', {text: 'Written by nmexpert ' + R.nmexpert_version +
                                 '. The data of this page are in its nmx-report block, as a JSON report of version 2.'}));
    document.documentElement.setAttribute('data-ready', 'true');
  }

  build();
})();
