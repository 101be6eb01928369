// CSS and JavaScript of the HTML report (Vega specs written as small JS functions over data).
#include "report_assets.hpp"

namespace carepath::outputs::assets {

std::string_view style() {
  return R"CSS(
:root { --blue:#005eb8; --dark:#003087; --grey:#425563; --pale:#e8edee; --warm:#ffb81c; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 "Segoe UI", Arial, Helvetica, sans-serif; color:#212b32; background:#f0f4f5; }
header { background: var(--blue); color:#fff; padding: 18px 32px; }
header h1 { margin:0 0 4px; font-size: 26px; }
header p { margin: 0; opacity: .9; }
nav { background: var(--dark); padding: 6px 32px; position: sticky; top: 0; z-index: 2; }
nav a { color:#fff; text-decoration:none; margin-right: 18px; font-weight: 600; font-size: 13px; }
main { padding: 8px 32px 40px; max-width: 1400px; }
section { background:#fff; margin: 18px 0; padding: 16px 22px; border-radius: 4px; box-shadow: 0 1px 2px rgba(0,0,0,.12); }
h2 { color: var(--dark); margin: 4px 0 8px; font-size: 21px; border-bottom: 3px solid var(--blue); padding-bottom: 4px; }
h3 { color: var(--grey); margin: 16px 0 6px; font-size: 16px; }
.note { color: var(--grey); font-size: 13px; margin: 4px 0 10px; }
.grid { display: flex; flex-wrap: wrap; gap: 10px 18px; }
.chart { min-height: 40px; }
table { border-collapse: collapse; font-size: 12.5px; margin: 6px 0 12px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #d8dde0; text-align: right; white-space: nowrap; }
th { background: var(--pale); color: #212b32; }
.scroll th { position: sticky; top: 0; }
.key span { margin-right: 14px; font-size: 12.5px; white-space: nowrap; }
.key i { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -1px; border-radius: 2px; }
td.l, th.l { text-align: left; }
tr.sig td.d { font-weight: 600; }
td.up { color: #8a1538; } td.down { color: #007f3b; }
.scroll { max-height: 480px; overflow: auto; border: 1px solid var(--pale); display: inline-block; }
details { margin: 6px 0; } summary { cursor: pointer; color: var(--blue); font-weight: 600; }
pre.diff { font-size: 12px; background: #f7f9fa; padding: 8px; max-height: 360px; overflow: auto; }
pre.diff .a { color: #007f3b; } pre.diff .r { color: #8a1538; }
.kv td:first-child { text-align: left; color: var(--grey); }
.kv td { text-align: left; white-space: normal; }
.badge { display:inline-block; padding: 1px 6px; border-radius: 3px; font-size: 11px; background: var(--pale); color: var(--grey); }
.measured { background:#d5eadd; color:#004d24; } .derived { background:#fff3cd; color:#6b4e00; }
#report-status { font-size: 11px; color: var(--grey); margin: 12px 32px; }
@media print { nav { display:none; } section { box-shadow:none; break-inside: avoid; } }
)CSS";
}

std::string_view prelude() {
  return R"JS(
window.__errors = [];
(function () {
  var ce = console.error;
  console.error = function () {
    window.__errors.push(Array.prototype.map.call(arguments, String).join(' '));
    return ce.apply(console, arguments);
  };
  window.addEventListener('error', function (e) { window.__errors.push('uncaught: ' + e.message); });
  window.addEventListener('unhandledrejection', function (e) { window.__errors.push('rejected: ' + e.reason); });
})();
var __m = {};
function __r(name) {
  if (name === 'vega-selections') name = 'vega-selection';
  if (!(name in __m)) throw new Error('vega module missing from the report: ' + name);
  return __m[name];
}
)JS";
}

const char* const* vega_modules() {
  static const char* const kModules[] = {
      "vega-util",       "vega-canvas",     "vega-event-selector",  "vega-expression",
      "vega-time",       "vega-format",     "vega-loader",          "vega-dataflow",
      "vega-scale",      "vega-scenegraph", "vega-statistics",      "vega-selection",
      "vega-functions",  "vega-runtime",    "vega-parser",          "vega-view",
      "vega-transforms", "vega-encode",     "vega-view-transforms", nullptr};
  return kModules;
}

std::string_view vega_glue() {
  return R"JS(
var vega = {};
Object.keys(__m).forEach(function (k) { Object.assign(vega, __m[k]); });
Object.assign(__m['vega-dataflow'].transforms, __m['vega-transforms'], __m['vega-encode'],
              __m['vega-view-transforms']);
)JS";
}

std::string_view charts() {
  return R"JS(
(function () {
  var D = window.D;
  var FONT = 'Segoe UI, Arial, Helvetica, sans-serif';
  var PALETTE = D.palette;
  var base = function (w, h, title) {
    return {
      $schema: 'https://vega.github.io/schema/vega/v5.json', width: w, height: h, padding: 6,
      autosize: {type: 'fit-x', contains: 'padding'},
      title: title ? {text: title, anchor: 'start', fontSize: 13, font: FONT, color: '#212b32'} : undefined,
      config: {axis: {labelFont: FONT, titleFont: FONT, labelFontSize: 11, titleFontSize: 11, gridColor: '#e8edee'},
               legend: {labelFont: FONT, titleFont: FONT, labelFontSize: 11}, text: {font: FONT}}
    };
  };
  var colour = {name: 'color', type: 'ordinal', domain: D.scenarios, range: PALETTE};
  var tt = function (expr) { return {signal: expr}; };

  function lineCI(kpi, unit) {
    var s = base(300, 170, kpi + ' (' + unit + ')');
    s.autosize = 'pad';
    s.data = [{name: 'table', values: D.summary.filter(function (r) { return r.kpi === kpi; })},
              {name: 'targets', values: (D.targets || []).filter(function (t) { return t.kpi === kpi && (t.year === '' || D.years.indexOf(t.year) >= 0); })}];
    s.scales = [
      {name: 'x', type: 'point', domain: D.years, range: 'width', padding: 0.4},
      {name: 'y', type: 'linear', nice: true, zero: false, range: 'height',
       domain: {fields: [{data: 'table', field: 'lo'}, {data: 'table', field: 'hi'}, {data: 'table', field: 'mean'}, {data: 'targets', field: 'bound'}]}},
      colour];
    s.axes = [{orient: 'bottom', scale: 'x', labelAngle: D.years.length > 4 ? -30 : 0, labelAlign: D.years.length > 4 ? 'right' : 'center'},
              {orient: 'left', scale: 'y', grid: true, tickCount: 5, format: '~s'}];
    s.marks = [{type: 'group', from: {facet: {name: 'series', data: 'table', groupby: 'scenario'}},
      marks: [
        {type: 'area', from: {data: 'series'}, encode: {enter: {x: {scale: 'x', field: 'year'},
          y: {scale: 'y', field: 'lo'}, y2: {scale: 'y', field: 'hi'}, fill: {scale: 'color', field: 'scenario'}, fillOpacity: {value: 0.15}}}},
        {type: 'line', from: {data: 'series'}, encode: {enter: {x: {scale: 'x', field: 'year'},
          y: {scale: 'y', field: 'mean'}, stroke: {scale: 'color', field: 'scenario'}, strokeWidth: {value: 2}}}},
        {type: 'rule', from: {data: 'series'}, encode: {enter: {x: {scale: 'x', field: 'year'},
          y: {scale: 'y', field: 'lo'}, y2: {scale: 'y', field: 'hi'}, stroke: {scale: 'color', field: 'scenario'}, strokeOpacity: {value: 0.6}}}},
        {type: 'symbol', from: {data: 'series'}, encode: {enter: {x: {scale: 'x', field: 'year'},
          y: {scale: 'y', field: 'mean'}, fill: {scale: 'color', field: 'scenario'}, size: {value: 30},
          tooltip: tt("datum.scenario + ' ' + datum.year + ': ' + format(datum.mean, ',.4~r') + ' (95% CI ' + format(datum.lo, ',.4~r') + ' to ' + format(datum.hi, ',.4~r') + ')'")}}}]},
      {type: 'rule', from: {data: 'targets'}, encode: {enter: {
        x: {signal: "datum.year === '' ? 0 : scale('x', datum.year) - 14"},
        x2: {signal: "datum.year === '' ? width : scale('x', datum.year) + 14"},
        y: {scale: 'y', field: 'bound'}, stroke: {value: '#d5281b'}, strokeDash: {value: [6, 3]}, strokeWidth: {value: 1.5},
        tooltip: tt("'target ' + datum.name + (datum.at_least ? ': at least ' : ': at most ') + format(datum.bound, ',.4~r') + (datum.year === '' ? '' : ' in ' + datum.year)")}}}];
    return s;
  }

  function forest(rows, label, value, lo, hi, title, xtitle, targets, clipCI, width) {
    var s = base(width || 420, Math.max(60, rows.length * 17), title);
    s.autosize = 'pad';
    s.data = [{name: 'table', values: rows}, {name: 'targets', values: targets || []}];
    var xs = {name: 'x', type: 'linear', nice: true, zero: true, range: 'width',
              domain: {fields: [{data: 'table', field: lo}, {data: 'table', field: hi}]}};
    if (clipCI) {  // very wide intervals would squash the rest: clip them near the estimates
      var top = Math.max.apply(null, rows.map(function (r) { return Math.abs(r[value]); }).concat([5]));
      var mn = Math.min.apply(null, rows.map(function (r) { return r[lo]; }).concat([0]));
      var mx = Math.max.apply(null, rows.map(function (r) { return r[hi]; }).concat([0]));
      xs.domain = [Math.max(mn, -1.4 * top), Math.min(mx, 1.4 * top)];
    }
    s.scales = [
      {name: 'y', type: 'band', domain: rows.map(function (r) { return r[label]; }), range: 'height', padding: 0.25},
      xs, colour];
    s.axes = [{orient: 'left', scale: 'y', labelLimit: 260}, {orient: 'bottom', scale: 'x', grid: true, title: xtitle, format: '~s'}];
    s.marks = [
      {type: 'rule', encode: {enter: {x: {scale: 'x', value: 0}, y: {value: 0}, y2: {signal: 'height'}, stroke: {value: '#425563'}, strokeDash: {value: [3, 3]}}}},
      {type: 'rule', from: {data: 'table'}, clip: true, encode: {enter: {x: {scale: 'x', field: lo}, x2: {scale: 'x', field: hi},
        y: {scale: 'y', field: label, band: 0.5}, stroke: {scale: 'color', field: 'scenario'}, strokeWidth: {value: 2}}}},
      {type: 'symbol', from: {data: 'table'}, clip: true, encode: {enter: {x: {scale: 'x', field: value}, y: {scale: 'y', field: label, band: 0.5},
        shape: {value: 'diamond'}, size: {value: 60}, fill: {scale: 'color', field: 'scenario'},
        tooltip: tt("datum." + label + " + ': ' + format(datum." + value + ", ',.3~r') + ' (95% CI ' + format(datum." + lo + ", ',.3~r') + ' to ' + format(datum." + hi + ", ',.3~r') + ')'")}}},
      {type: 'symbol', from: {data: 'targets'}, encode: {enter: {x: {scale: 'x', field: 'value'}, y: {scale: 'y', field: 'label', band: 0.5},
        shape: {value: 'triangle-down'}, size: {value: 80}, fill: {value: '#ffb81c'}, stroke: {value: '#212b32'},
        tooltip: tt("'target ' + datum.value")}}}];
    return s;
  }

  function barH(rows, title, xtitle, domainMax) {
    var s = base(460, Math.max(40, rows.length * 15), title);
    s.data = [{name: 'table', values: rows}];
    s.scales = [
      {name: 'y', type: 'band', domain: rows.map(function (r) { return r.site; }), range: 'height', padding: 0.2},
      {name: 'x', type: 'linear', domain: domainMax ? [0, domainMax] : {data: 'table', field: 'value'}, nice: true, range: 'width'}];
    s.axes = [{orient: 'left', scale: 'y', labelLimit: 220}, {orient: 'bottom', scale: 'x', grid: true, title: xtitle}];
    s.marks = [{type: 'rect', from: {data: 'table'}, encode: {enter: {y: {scale: 'y', field: 'site'}, height: {scale: 'y', band: 1},
      x: {scale: 'x', value: 0}, x2: {scale: 'x', field: 'value'}, fill: {value: '#005eb8'},
      tooltip: tt("datum.site + ': ' + format(datum.value, ',.3~r')")}}},
      {type: 'text', from: {data: 'table'}, encode: {enter: {y: {scale: 'y', field: 'site', band: 0.5}, x: {scale: 'x', field: 'value', offset: 3},
        baseline: {value: 'middle'}, fontSize: {value: 10}, fill: {value: '#425563'}, text: {signal: "format(datum.value, ',.3~r')"}}}}];
    return s;
  }

  function heat(site, cap) {
    var s = base(400, 120, site + (cap > 0 ? ' (capacity ' + cap + ')' : '') + ': mean occupancy by hour of week');
    s.autosize = 'pad';
    s.data = [{name: 'table', values: D.heat.filter(function (r) { return r.site === site; })}];
    s.scales = [
      {name: 'x', type: 'band', domain: {data: 'table', field: 'hour', sort: true}, range: 'width'},
      {name: 'y', type: 'band', domain: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], range: 'height'},
      {name: 'c', type: 'linear', domain: {data: 'table', field: 'occ'}, range: {scheme: 'blues'}, zero: false, nice: true}];
    s.axes = [{orient: 'bottom', scale: 'x', values: [0, 3, 6, 9, 12, 15, 18, 21], title: 'hour'}, {orient: 'left', scale: 'y'}];
    s.legends = [{fill: 'c', type: 'gradient', title: 'patients', gradientLength: 100, direction: 'vertical'}];
    s.marks = [{type: 'rect', from: {data: 'table'}, encode: {enter: {x: {scale: 'x', field: 'hour'}, width: {scale: 'x', band: 1},
      y: {scale: 'y', field: 'dow'}, height: {scale: 'y', band: 1}, fill: {scale: 'c', field: 'occ'},
      tooltip: tt("datum.dow + ' ' + datum.hour + ':00 ' + format(datum.occ, '.1f') + ' patients'")}}}];
    return s;
  }

  function flow(F) {
    var s = base(F.width, F.height + 4, null);
    s.autosize = 'none';  // wide strokes would make Vega's bounds (and the page) much too large
    s.data = [
      {name: 'table', values: F.links, transform: [{type: 'linkpath', orient: 'horizontal', shape: 'diagonal',
        sourceX: 'sx', sourceY: 'sy', targetX: 'tx', targetY: 'ty'}]},
      {name: 'nodes', values: F.nodes}];
    s.scales = [{name: 'kind', type: 'ordinal', domain: D.kinds, range: D.kindColours}];
    s.marks = [
      {type: 'path', from: {data: 'table'}, encode: {enter: {path: {field: 'path'}, strokeWidth: {field: 'w'},
        stroke: {signal: "datum.back ? '#da291c' : scale('kind', datum.fk)"}, strokeOpacity: {signal: 'datum.back ? 0.7 : 0.28'},
        strokeDash: {signal: 'datum.back ? [4, 3] : [1, 0]'},
        tooltip: tt("datum.from + ' -> ' + datum.to + ': ' + format(datum.v, ',.0f') + ' a year'")}}},
      {type: 'text', from: {data: 'table'}, encode: {enter: {x: {signal: '(datum.sx + datum.tx) / 2'}, y: {signal: '(datum.sy + datum.ty) / 2'},
        text: {signal: "datum.lab ? format(datum.v, ',.3~s') : ''"}, fontSize: {value: 9}, fill: {value: '#212b32'}, align: {value: 'center'}, baseline: {value: 'middle'}}}},
      {type: 'rect', from: {data: 'nodes'}, encode: {enter: {x: {field: 'x'}, width: {value: 10}, y: {field: 'y'}, height: {field: 'h'},
        fill: {scale: 'kind', field: 'kind'}, tooltip: tt("datum.label + ': ' + format(datum.t, ',.0f') + ' a year'")}}},
      {type: 'text', from: {data: 'nodes'}, encode: {enter: {x: {signal: 'datum.x + 13'}, y: {signal: 'datum.y + datum.h / 2'},
        text: {signal: "datum.label + '  ' + format(datum.t, ',.3~s')"}, fontSize: {value: 10}, baseline: {value: 'middle'}, fill: {value: '#212b32'}}}}];
    return s;
  }

  function ciXY(t) {
    var s = base(420, 200, t.title);
    s.autosize = 'pad';
    s.data = [{name: 'table', values: t.rows}, {name: 'answer', values: t.answer === null ? [] : [{x: t.answer}]}];
    s.scales = [
      {name: 'x', type: 'linear', domain: {data: 'table', field: 'x'}, range: 'width', zero: false, nice: true},
      {name: 'y', type: 'linear', nice: true, zero: false, range: 'height',
       domain: {fields: [{data: 'table', field: 'lo'}, {data: 'table', field: 'hi'}, {data: 'table', field: 'y'}]}}];
    s.axes = [{orient: 'bottom', scale: 'x', title: t.x, grid: true}, {orient: 'left', scale: 'y', title: t.y, grid: true}];
    s.marks = [
      {type: 'area', from: {data: 'table'}, encode: {enter: {x: {scale: 'x', field: 'x'}, y: {scale: 'y', field: 'lo'}, y2: {scale: 'y', field: 'hi'},
        fill: {value: '#005eb8'}, fillOpacity: {value: 0.15}}}},
      {type: 'line', from: {data: 'table'}, encode: {enter: {x: {scale: 'x', field: 'x'}, y: {scale: 'y', field: 'y'}, stroke: {value: '#005eb8'}, strokeWidth: {value: 2}}}},
      {type: 'symbol', from: {data: 'table'}, encode: {enter: {x: {scale: 'x', field: 'x'}, y: {scale: 'y', field: 'y'}, fill: {value: '#005eb8'}, size: {value: 25}}}},
      {type: 'rule', from: {data: 'answer'}, encode: {enter: {x: {scale: 'x', field: 'x'}, y: {value: 0}, y2: {signal: 'height'}, stroke: {value: '#da291c'}, strokeWidth: {value: 2}}}},
      {type: 'text', from: {data: 'answer'}, encode: {enter: {x: {scale: 'x', field: 'x', offset: 4}, y: {value: 10}, text: {signal: "'answer: ' + datum.x"}, fill: {value: '#da291c'}}}}];
    return s;
  }

  // ---- which chart goes where
  var charts = [];
  function add(id, spec, name) { charts.push({id: id, spec: spec, name: name || id}); }
  D.headline.forEach(function (k, i) { add('h-' + i, lineCI(k.kpi, k.unit), 'headline-' + k.kpi); });
  if (D.deltas.length) {
    var last = D.deltas.filter(function (r) { return r.yi === D.lastYear && isFinite(r.pct); });
    last.forEach(function (r) { r.row = r.kpi + ' · ' + r.scenario; });
    add('d-pct', forest(last, 'row', 'pct', 'pct_lo', 'pct_hi',
        D.years[D.lastYear] + ': change against ' + D.baseline + ' (% of its mean, 95% CI; very wide CIs run off the chart)', '% change',
        (D.targets || []).filter(function (t) { return typeof t.pct === 'number' && isFinite(t.pct); }).map(function (t) { return {label: t.kpi + ' · ' + t.scenario, value: t.pct}; }),
        true, 620), 'delta-percent-' + D.years[D.lastYear].replace('/', '-'));
    D.headline.forEach(function (k, i) {
      var rows = D.deltas.filter(function (r) { return r.kpi === k.kpi; });
      rows.forEach(function (r) { r.row2 = r.scenario + ' ' + r.year; });
      add('d-' + i, forest(rows, 'row2', 'diff', 'lo', 'hi', k.kpi + ': scenario - ' + D.baseline, k.unit, []), 'delta-' + k.kpi);
    });
  }
  if (D.full.length) add('s-full', barH(D.full, 'Share of time full (' + D.baseline + ', ' + D.years[D.lastYear] + ')', '% of time', 100), 'sites-time-full');
  if (D.util.length) add('s-util', barH(D.util, 'Mean occupancy as % of capacity (' + D.baseline + ', ' + D.years[D.lastYear] + ')', '% of capacity', null), 'sites-occupancy');
  D.heatSites.forEach(function (h, i) { add('s-heat-' + i, heat(h.site, h.capacity), 'heatmap-' + h.site); });
  if (D.flow && D.flow.links.length) add('f-flow', flow(D.flow), 'flows');
  D.extras.forEach(function (t, i) { add('x-' + i, ciXY(t), 'sweep-' + i); });

  // ---- render, then report the status (read by the browser test and by --png)
  var rendered = 0, empty = [], views = [];
  var jobs = charts.map(function (c) {
    var el = document.getElementById('chart-' + c.id);
    if (!el) { window.__errors.push('no container for chart ' + c.id); return Promise.resolve(); }
    var view = new vega.View(vega.parse(c.spec), {renderer: 'svg', container: el, hover: true});
    views.push({id: c.name.replace(/[^A-Za-z0-9._-]/g, '_'), view: view});
    return view.runAsync().then(function () {
      rendered += 1;
      if (view.data('table').length === 0) empty.push(c.id);
    }).catch(function (e) { window.__errors.push(c.id + ': ' + e); });
  });
  Promise.all(jobs).then(function () {
    if (!D.pngExport) return null;
    return Promise.all(views.map(function (v) {
      return v.view.toImageURL('png', 2).then(function (url) { return v.id + '\t' + url; });
    })).then(function (lines) {
      var pre = document.createElement('pre');
      pre.id = 'png-export';
      pre.style.display = 'none';
      pre.textContent = lines.join('\n');
      document.body.appendChild(pre);
    });
  }).catch(function (e) { window.__errors.push('png: ' + e); }).then(function () {
    var st = document.getElementById('report-status');
    st.setAttribute('data-charts', String(charts.length));
    st.setAttribute('data-rendered', String(rendered));
    st.setAttribute('data-empty', empty.join(' '));
    st.setAttribute('data-errors', String(window.__errors.length));
    st.setAttribute('data-done', '1');
    st.textContent = charts.length + ' charts, ' + rendered + ' rendered' +
        (empty.length ? ', empty: ' + empty.join(' ') : '') +
        (window.__errors.length ? '; errors: ' + window.__errors.join(' | ') : '');
  });
})();
)JS";
}

}  // namespace carepath::outputs::assets
