// graph-contract's HTML report, the browser side (issue #14). The Rust side
// (src/report/html) writes one self-contained page: this file and app.css
// inlined, and the report as JSON in the element #gc-data. Plain ES2020, no
// framework, nothing fetched.
//
// Decisions, and why:
// - **Every data string is text.** Nodes are built with createElement and
//   text nodes, never innerHTML; attributes are set through the DOM. Control
//   characters and bidi overrides are shown as escapes (`\x1b`, `\u{202e}`),
//   exactly as the terminal shows them (src/report/mod.rs `visible`), in a
//   styled span: a service's `\u{202e}` cannot reorder what a reader sees.
// - **Links only to files.** A case's `href` becomes a link when it is a
//   file: URL without a host or, on a served report, a relative link on the
//   same origin; anything else (javascript:, //host, http:) is shown as text.
//   A file://host link would reach out to a share; a report links nowhere.
// - **Copy buttons copy what is shown** (escapes included): a curl line
//   pasted into a terminal never carries a hidden control character.
// - **The list renders in chunks** (CHUNK rows, more on scroll or j), from
//   one sorted array filtered per change: 7,535 cases cost a few hundred rows
//   of DOM, and a case can appear under each of its causes when grouped by
//   cause, as the causes count them (src/report/mod.rs `causes`).
// - **Details render on opening**, bodies from the JSON value, one element
//   per line with `data-pointer`; past BODY_CAP lines only the context of
//   the highlighted lines is drawn, with "show all" for the rest.
// - **Highlights.** A finding's pointer marks its line (`hl`) in both
//   documents; where a document lacks it, its nearest existing ancestor is
//   marked (`hl-near`). Status and header findings mark the status line and
//   the header rows instead (their pointer is "").
// - **The fragment is the view.** Every control writes it (replaceState: the
//   back button does not step through keystrokes); loading and `hashchange`
//   read it. Absent means no filter; an all-checked verdict list is absent.
// - **Bad data degrades, never breaks.** Every field is read defensively; an
//   unknown verdict is shown with the failures; a page without data says so.
(() => {
  'use strict';

  const VERDICTS = ['fail', 'known', 'warn', 'pass', 'ignored', 'ni'];
  const LABEL = {
    fail: 'failed', known: 'known failure', warn: 'passed with warnings',
    pass: 'passed', ignored: 'ignored', ni: 'not implemented',
  };
  const BADGE = { fail: 'fail', known: 'known', warn: 'warn', pass: 'pass', ignored: 'ignored', ni: 'not impl.' };
  const ALIAS = {
    failed: 'fail', 'known-failure': 'known', known_failure: 'known', warning: 'warn',
    warnings: 'warn', passed: 'pass', 'not-implemented': 'ni', not_implemented: 'ni',
  };
  const GROUPS = ['none', 'page', 'cause'];
  const NOT_BODY = new Set(['status', 'header', 'content-type', 'transport']);
  const CHUNK = 400; // list rows rendered at a time
  const BODY_CAP = 1500; // body lines drawn before "show all"
  const CONTEXT = 12; // lines drawn around a highlighted line past the cap
  const LINE_CAP = 2000; // characters of one body line before "show all"
  const MAX_DEPTH = 200; // deeper JSON is drawn on one line
  const LINES_PER_CHUNK = 100; // body lines laid out together

  // ---------------------------------------------------------------- text

  const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u202a-\u202e\u2066-\u2069\ufffe\uffff]/;
  const HIDDEN_SPLIT = /([\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u202a-\u202e\u2066-\u2069\ufffe\uffff])/;
  const HIDDEN_ALL = new RegExp(HIDDEN.source, 'g');

  const escOf = (ch) => {
    const n = ch.charCodeAt(0);
    return n < 0x80 ? '\\x' + n.toString(16).padStart(2, '0') : '\\u{' + n.toString(16) + '}';
  };
  /** A string as the terminal shows it. */
  const vis = (s) => s.replace(HIDDEN_ALL, escOf);

  /** Append `s` to `e` as text, hidden characters as styled escapes. */
  function text(e, s) {
    if (!HIDDEN.test(s)) {
      e.appendChild(document.createTextNode(s));
      return;
    }
    const parts = s.split(HIDDEN_SPLIT);
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 0) {
        if (parts[i]) e.appendChild(document.createTextNode(parts[i]));
      } else {
        const x = document.createElement('span');
        x.className = 'esc';
        x.textContent = escOf(parts[i]);
        e.appendChild(x);
      }
    }
  }

  function add(e, k) {
    if (k == null || k === false) return;
    if (typeof k === 'string') text(e, k);
    else if (typeof k === 'number') text(e, String(k));
    else if (Array.isArray(k)) for (const x of k) add(e, x);
    else e.appendChild(k);
  }

  /** An element: `el('span', 'cls', child, ...)`; strings become text. */
  function el(tag, cls, ...kids) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    for (const k of kids) add(e, k);
    return e;
  }

  const num = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '');
  const plural = (n, one, many) => num(n) + ' ' + (n === 1 ? one : many);

  // ---------------------------------------------------------------- data

  const S = (x) =>
    typeof x === 'string' ? x : x == null ? '' : typeof x === 'object' ? JSON.stringify(x) : String(x);
  const Sn = (x) => (x == null ? null : S(x));
  const N = (x) => (typeof x === 'number' && isFinite(x) ? x : null);
  const A = (x) => (Array.isArray(x) ? x : []);
  const O = (x) => (x && typeof x === 'object' && !Array.isArray(x) ? x : null);

  function verdictOf(x) {
    const v = S(x).toLowerCase();
    const w = ALIAS[v] || v;
    return VERDICTS.includes(w) ? w : null;
  }

  function normFinding(f) {
    f = O(f) || {};
    return {
      pointer: S(f.pointer), kind: S(f.kind) || 'unknown',
      // A note (a rule that could give no verdict) is said, never an error.
      severity: ['warning', 'note'].includes(S(f.severity)) ? S(f.severity) : 'error',
      message: S(f.message), documented: Sn(f.documented), actual: Sn(f.actual),
    };
  }

  function normCase(c, i) {
    c = O(c) || {};
    const v = verdictOf(c.verdict);
    const out = {
      i, id: S(c.id) || '(case ' + (i + 1) + ')', page: S(c.page), href: S(c.href),
      line: N(c.line), method: S(c.method).toUpperCase(), url: S(c.url), area: S(c.area),
      verdict: v || 'fail', shownVerdict: v ? BADGE[v] : S(c.verdict) || '?',
      status: N(c.status), docStatus: N(c.doc_status), reason: S(c.reason), ms: N(c.ms),
      findings: A(c.findings).map(normFinding), causes: A(c.causes).map(S),
      sent: Sn(c.sent), curl: Sn(c.curl), rerun: Sn(c.rerun), doc: O(c.doc), actual: O(c.actual),
      hay: null,
    };
    out.rank = VERDICTS.indexOf(out.verdict);
    return out;
  }

  /** What free text searches: id, url, page, reason, messages, pointers, causes. */
  function haystack(c) {
    const parts = [c.id, c.url, c.page, c.reason, c.method];
    for (const f of c.findings) parts.push(f.message, f.pointer, f.kind);
    for (const k of c.causes) parts.push(k);
    return vis(parts.join('\n')).toLowerCase();
  }

  /** A link target a report may carry, or null (see the decisions). */
  function safeHref(h) {
    if (!h) return null;
    let u;
    try {
      u = new URL(h, document.baseURI);
    } catch (e) {
      return null;
    }
    if (u.protocol === 'file:') return u.host === '' ? u.href : null;
    const cleaned = h.replace(/[\u0000-\u0020]/g, '');
    const relative = !/^[a-z][a-z0-9+.-]*:/i.test(cleaned) && !/^[\\/]{2}/.test(cleaned);
    if (relative && location.protocol !== 'file:' && u.origin === location.origin) return u.href;
    return null;
  }

  // ---------------------------------------------------------------- state

  /** The view: what the fragment says. `verdict` null = every verdict. */
  const blank = () => ({
    verdict: null, kind: '', method: '', status: '', area: '', q: '', group: 'none', case: null,
  });

  function decode(x) {
    try {
      return decodeURIComponent(x);
    } catch (e) {
      return x;
    }
  }

  function parseHash(h) {
    const s = blank();
    for (const part of h.replace(/^#/, '').split('&')) {
      if (!part) continue;
      const at = part.indexOf('=');
      const key = decode(at < 0 ? part : part.slice(0, at));
      const raw = at < 0 ? '' : part.slice(at + 1);
      const val = decode(raw);
      switch (key) {
        case 'verdict': {
          const set = new Set();
          for (const x of raw.split(',')) {
            const v = verdictOf(decode(x));
            if (v) set.add(v);
          }
          s.verdict = set.size === VERDICTS.length ? null : set;
          break;
        }
        case 'kind': case 'method': case 'status': case 'area': case 'q':
          s[key] = val;
          break;
        case 'group':
          s.group = GROUPS.includes(val) ? val : 'none';
          break;
        case 'case':
          s.case = val || null;
          break;
        default:
      }
    }
    if (s.method) s.method = s.method.toUpperCase();
    return s;
  }

  // Readable fragments: `:`, `/` and `@` stay as they are (RFC 3986 allows
  // them there); `,` `&` `=` `+` `#` `%` and the rest are encoded.
  const enc = (v) => encodeURIComponent(v).replace(/%3A/gi, ':').replace(/%2F/gi, '/').replace(/%40/gi, '@');

  function hashOf(s) {
    const out = [];
    if (s.verdict) out.push('verdict=' + VERDICTS.filter((v) => s.verdict.has(v)).join(','));
    for (const k of ['kind', 'method', 'status', 'area', 'q']) if (s[k]) out.push(k + '=' + enc(s[k]));
    if (s.group !== 'none') out.push('group=' + s.group);
    if (s.case !== null) out.push('case=' + enc(s.case));
    return out.join('&');
  }

  // ---------------------------------------------------------------- the app

  let P; // the payload
  let cases = []; // normalized, payload order
  let sorted = []; // verdict order, stable
  const byId = new Map();
  let state = blank();
  let items = []; // the list: {g: group} | {c: case}
  let rendered = 0;
  let rowEls = []; // item index → row element, once rendered
  let cursor = -1; // item index of the current row
  let openCase = null;
  let lastHash = null;
  const ui = {};

  function start() {
    const app = document.getElementById('app') || document.body.appendChild(el('div'));
    app.id = 'app';
    let raw;
    try {
      const node = document.getElementById('gc-data');
      if (!node) throw new Error('the page holds no report data (#gc-data)');
      raw = JSON.parse(node.textContent);
      if (!O(raw)) throw new Error('the report data is not an object');
    } catch (e) {
      app.append(el('p', 'fatal', 'This report cannot be read: ' + S(e && e.message)));
      return;
    }
    P = raw;
    cases = A(P.cases).map(normCase);
    sorted = cases.slice().sort((a, b) => a.rank - b.rank || a.i - b.i);
    // A case's key in the link: its id, or with its page when two cases
    // share one (the v1.0 and beta halves merged).
    const seen = new Map();
    for (const c of cases) seen.set(c.id, (seen.get(c.id) || 0) + 1);
    for (const c of cases) {
      c.key = seen.get(c.id) > 1 ? c.id + ' @ ' + c.page : c.id;
      if (!byId.has(c.key)) byId.set(c.key, c);
      if (!byId.has(c.id)) byId.set(c.id, c);
    }
    const title = S(P.title) || 'graph-contract report';
    document.title = vis(title);

    app.append(header(title), bar(), main());
    state = parseHash(location.hash);
    apply(true);
    window.addEventListener('hashchange', () => {
      if (location.hash.replace(/^#/, '') === lastHash) return;
      state = parseHash(location.hash);
      apply(true);
    });
    document.addEventListener('keydown', onKey);
    trackBar();
  }

  // ------------------------------------------------------------ the header

  function header(title) {
    const h = el('header', 'top');
    h.append(el('h1', null, title));
    if (P.v !== 1) h.append(el('p', 'warn-note', 'This page reads report version 1; the data says version ' + S(P.v) + '.'));
    const meta = el('dl', 'meta');
    const item = (k, v) => v && meta.append(el('div', null, el('dt', null, k), el('dd', null, v)));
    item('target', S(P.target).replace(/^target: /, ''));
    item('generated', S(P.generated));
    const enforced = A(P.enforced).map(S).filter(Boolean);
    item('enforced', enforced.length ? enforced.join(', ') : 'defaults');
    const sources = A(P.sources).map(S);
    if (sources.length) {
      item(sources.length === 1 ? 'source' : plural(sources.length, 'source', 'sources'),
        sources.length <= 4 ? sources.join(', ') : el('details', null, el('summary', null, sources.slice(0, 3).join(', ') + ', …'),
          el('ul', null, sources.map((x) => el('li', null, x)))));
    }
    h.append(meta);
    h.append(totals());
    const cov = coverage();
    if (cov) h.append(cov);
    const cs = causesBox();
    if (cs) h.append(cs);
    return h;
  }

  function totals() {
    const t = O(P.totals) || {};
    const box = el('div', 'totals');
    // Each chip shows the verdicts it counts: `passed` counts the passes
    // with warnings too, `warnings` counts findings (of passes with warnings).
    const chip = (n, label, only) => {
      const cls = 'chip' + (only.length ? ' v-' + only[0] : '') + (N(n) ? '' : ' zero');
      const b = el('button', cls, el('b', null, num(N(n) || 0)), ' ', label);
      b.type = 'button';
      b.dataset.only = only.join(',');
      b.title = only.length ? 'show only: ' + only.map((v) => LABEL[v]).join(', ') : 'show every case';
      box.append(b);
    };
    chip(t.total == null ? cases.length : t.total, 'cases', []);
    chip(t.failed, 'failed', ['fail']);
    chip(t.known, 'known', ['known']);
    chip(t.passed, 'passed', ['pass', 'warn']);
    chip(t.warnings, N(t.warnings) === 1 ? 'warning' : 'warnings', ['warn']);
    chip(t.ignored, 'ignored', ['ignored']);
    chip(t.not_implemented, 'not implemented', ['ni']);
    box.addEventListener('click', (e) => {
      const b = e.target.closest('button.chip');
      if (!b) return;
      state.verdict = b.dataset.only ? new Set(b.dataset.only.split(',')) : null;
      apply(false);
    });
    return box;
  }

  const COUNTS = [
    ['operations', 'operations'], ['conforming', 'conforming'], ['failing', 'failing'],
    ['not_implemented', 'not implemented'], ['unjudged', 'unjudged'], ['not_found', 'not found'],
    ['answered', 'answered'], ['unresolved', 'unresolved'],
  ];

  function coverage() {
    const c = O(P.coverage);
    if (!c) return null;
    const t = O(c.total) || {};
    const box = el('section', 'coverage');
    const pct = N(c.percent);
    // One decimal, never rounded up (as the terminal and the summary say
    // it: 99.96 is not a 100.0 that reads as meeting --min-coverage 100).
    const floor1 = (p) => (Math.floor(p * 10 + 1e-6) / 10).toFixed(1);
    box.append(el('h2', null, 'Coverage ', el('b', 'pct', pct === null ? 'n/a' : floor1(pct) + ' %'),
      ' ', el('span', 'muted', pct === null ? 'nothing was judged' : 'of the judged operations conform')));
    const parts = COUNTS.filter(([k]) => N(t[k])).map(([k, l]) => num(t[k]) + ' ' + l);
    if (parts.length) box.append(el('p', 'muted', parts.join(' · ')));
    if (c.with_metadata === false) {
      box.append(el('p', 'muted', "without the service's $metadata: every operation counts as implemented; those answered only 404, 405 or 501 are counted as not found (--metadata-from-target)"));
    }
    if (c.shortfall) box.append(el('p', 'shortfall', S(c.shortfall)));
    const areas = O(c.areas);
    const names = areas ? Object.keys(areas) : [];
    if (names.length) {
      const d = el('details', 'areas', el('summary', null, 'by area (' + names.length + ')'));
      const table = el('table', 'grid');
      table.append(el('thead', null, el('tr', null, el('th', null, 'area'), COUNTS.map(([, l]) => el('th', 'n', l)))));
      const body = el('tbody');
      for (const name of names) {
        const a = O(areas[name]) || {};
        const tr = el('tr', 'area-row', el('td', null, el('button', 'link', name)), COUNTS.map(([k]) => el('td', 'n', num(N(a[k]) || 0))));
        tr.dataset.area = name;
        body.append(tr);
      }
      table.append(body);
      table.addEventListener('click', (e) => {
        const tr = e.target.closest('tr.area-row');
        if (!tr) return;
        state.area = tr.dataset.area;
        apply(false);
      });
      d.append(table);
      box.append(d);
    }
    return box;
  }

  function causesBox() {
    const list = A(P.causes).map((x) => (Array.isArray(x) ? [S(x[0]), N(x[1]) || 0] : [S(x), 0]));
    if (!list.length) return null;
    const d = el('details', 'causes', el('summary', null, 'Failures by cause (' + num(list.length) + ')'));
    d.open = true;
    const ol = el('ol');
    const SHOWN = 6;
    list.forEach(([k, n], i) => {
      const b = el('button', 'link', k);
      b.type = 'button';
      b.dataset.cause = k;
      const li = el('li', i < SHOWN ? null : 'more-cause', el('span', 'n', num(n) + ' ×'), ' ', b);
      if (i >= SHOWN) li.hidden = true;
      ol.append(li);
    });
    d.append(ol);
    if (list.length > SHOWN) {
      const more = el('button', 'link', '… and ' + plural(list.length - SHOWN, 'more cause', 'more causes'));
      more.type = 'button';
      more.addEventListener('click', () => {
        for (const li of ol.querySelectorAll('.more-cause')) li.hidden = false;
        more.remove();
      });
      d.append(more);
    }
    ol.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-cause]');
      if (!b) return;
      state.group = 'cause';
      apply(false);
      const at = items.findIndex((it) => it.g && it.g.kind === 'cause' && it.g.key === b.dataset.cause);
      if (at >= 0) {
        ensureRendered(at);
        if (rowEls[at]) rowEls[at].scrollIntoView({ block: 'start' });
      }
    });
    return d;
  }

  // ------------------------------------------------------------ the controls

  function select(id, label, all, options) {
    const s = el('select');
    s.id = id;
    const o = el('option', null, all);
    o.value = '';
    s.append(o);
    for (const [value, text] of options) {
      const x = el('option', null, text);
      x.value = value;
      s.append(x);
    }
    return el('label', 'ctl', el('span', 'lab', label), s);
  }

  function counted(values) {
    const m = new Map();
    for (const v of values) m.set(v, (m.get(v) || 0) + 1);
    return m;
  }

  function bar() {
    const b = el('div', 'bar');
    b.setAttribute('role', 'search');
    const vs = el('fieldset', 'verdicts', el('legend', null, 'verdict'));
    ui.counts = {};
    for (const v of VERDICTS) {
      const input = el('input');
      input.type = 'checkbox';
      input.name = 'verdict';
      input.value = v;
      input.checked = true;
      const n = el('span', 'n', '0');
      ui.counts[v] = n;
      const lab = el('label', 'vchk', input, el('span', 'badge v-' + v, BADGE[v]), n);
      lab.title = LABEL[v];
      vs.append(lab);
    }
    b.append(vs);

    const kinds = counted(cases.flatMap((c) => [...new Set(c.findings.map((f) => f.kind))]));
    const methods = counted(cases.map((c) => c.method).filter(Boolean));
    const statuses = counted(cases.map((c) => (c.status === null ? 'none' : String(c.status))));
    const areas = counted(cases.map((c) => c.area).filter(Boolean));
    const opts = (m, order, label) =>
      [...m.entries()].sort(order).map(([k, n]) => [k, (label ? label(k) : k) + ' (' + num(n) + ')']);
    const byCount = (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1);
    const byName = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
    const byStatus = (a, b) => (a[0] === 'none') - (b[0] === 'none') || Number(a[0]) - Number(b[0]);
    b.append(select('kind', 'finding', 'any finding', opts(kinds, byCount, (k) => vis(k))));
    b.append(select('method', 'method', 'any method', opts(methods, byName, (k) => vis(k))));
    b.append(select('status', 'status', 'any status', opts(statuses, byStatus, (k) => (k === 'none' ? 'no response' : k))));
    b.append(select('area', 'area', 'any area', opts(areas, byName, (k) => vis(k))));

    const q = el('input');
    q.id = 'q';
    q.type = 'search';
    q.placeholder = 'search id, url, page, message, pointer   ( / )';
    q.autocomplete = 'off';
    q.spellcheck = false;
    b.append(el('label', 'ctl grow', el('span', 'lab', 'search'), q));

    const g = el('select');
    g.id = 'group';
    for (const [v, t] of [['none', 'no grouping'], ['page', 'by page'], ['cause', 'by cause']]) {
      const o = el('option', null, t);
      o.value = v;
      g.append(o);
    }
    b.append(el('label', 'ctl', el('span', 'lab', 'group'), g));
    const shown = el('output', 'shown');
    shown.id = 'shown';
    shown.setAttribute('aria-live', 'polite');
    const reset = el('button', 'link', 'reset');
    reset.type = 'button';
    reset.id = 'reset';
    reset.addEventListener('click', () => {
      const keep = state.case;
      state = blank();
      state.case = keep;
      apply(false);
    });
    b.append(el('div', 'shown-line', shown, ' ', reset));

    b.addEventListener('change', fromControls);
    b.addEventListener('input', fromControls);
    Object.assign(ui, {
      bar: b, q, group: g, shown, kind: b.querySelector('#kind'), method: b.querySelector('#method'),
      status: b.querySelector('#status'), area: b.querySelector('#area'),
      checks: [...b.querySelectorAll('input[name=verdict]')],
    });
    return b;
  }

  function fromControls(e) {
    if (e.type === 'input' && e.target !== ui.q) return; // selects and boxes: on change
    const on = ui.checks.filter((x) => x.checked).map((x) => x.value);
    state.verdict = on.length === VERDICTS.length ? null : new Set(on);
    for (const k of ['kind', 'method', 'status', 'area']) state[k] = ui[k].value;
    state.q = ui.q.value;
    state.group = GROUPS.includes(ui.group.value) ? ui.group.value : 'none';
    apply(false);
  }

  /** Make a select show `value`, adding it (counted 0) when no case has it. */
  function setSelect(s, value) {
    if (value && ![...s.options].some((o) => o.value === value)) {
      const o = el('option', null, vis(value) + ' (0)');
      o.value = value;
      s.append(o);
    }
    s.value = value;
  }

  function toControls() {
    for (const x of ui.checks) x.checked = !state.verdict || state.verdict.has(x.value);
    for (const k of ['kind', 'method', 'status', 'area']) setSelect(ui[k], state[k]);
    if (ui.q.value !== state.q) ui.q.value = state.q;
    ui.group.value = state.group;
  }

  function writeHash() {
    const h = hashOf(state);
    if (h === location.hash.replace(/^#/, '')) {
      lastHash = h;
      return;
    }
    lastHash = h;
    const url = location.href.split('#')[0] + (h ? '#' + h : '');
    try {
      history.replaceState(null, '', url);
    } catch (e) {
      location.hash = h;
    }
  }

  // ------------------------------------------------------------ the list

  function main() {
    const list = el('ol', 'list');
    list.id = 'list';
    list.addEventListener('click', (e) => {
      if (e.target.closest('a')) return;
      const more = e.target.closest('.more');
      if (more) {
        renderMore(rendered + CHUNK);
        return;
      }
      const row = e.target.closest('.row');
      if (!row) return;
      const at = rowEls.indexOf(row);
      if (at >= 0) cursor = at;
      const c = cases[Number(row.dataset.i)];
      if (c) open(c, false);
    });
    const detail = el('aside', 'detail');
    detail.id = 'detail';
    detail.hidden = true;
    detail.setAttribute('aria-label', 'case');
    ui.list = list;
    ui.detail = detail;
    if ('IntersectionObserver' in window) {
      ui.io = new IntersectionObserver((es) => {
        if (es.some((x) => x.isIntersecting)) renderMore(rendered + CHUNK);
      }, { rootMargin: '600px' });
    }
    return el('div', 'main', el('div', 'listwrap', list), detail);
  }

  /** Free-text words: every one must appear (case-insensitive). */
  const words = (q) => q.toLowerCase().split(/\s+/).filter(Boolean);

  function matchOthers(c, s, qw) {
    if (s.kind && !c.findings.some((f) => f.kind === s.kind)) return false;
    if (s.method && c.method !== s.method) return false;
    if (s.status && (s.status === 'none' ? c.status !== null : String(c.status) !== s.status)) return false;
    if (s.area && c.area !== s.area) return false;
    if (qw.length) {
      const hay = c.hay || (c.hay = haystack(c));
      for (const w of qw) if (!hay.includes(w)) return false;
    }
    return true;
  }

  function computeItems() {
    const s = state;
    const qw = words(s.q);
    const facet = Object.fromEntries(VERDICTS.map((v) => [v, 0]));
    const shown = [];
    for (const c of sorted) {
      if (!matchOthers(c, s, qw)) continue;
      facet[c.verdict]++;
      if (!s.verdict || s.verdict.has(c.verdict)) shown.push(c);
    }
    for (const v of VERDICTS) ui.counts[v].textContent = num(facet[v]);
    ui.shown.textContent = num(shown.length) + ' of ' + plural(cases.length, 'case', 'cases');

    if (s.group === 'none') return shown.map((c) => ({ c }));
    const groups = new Map();
    const put = (key, c, make) => {
      let g = groups.get(key);
      if (!g) groups.set(key, (g = make()));
      g.cases.push(c);
    };
    if (s.group === 'page') {
      for (const c of shown) put(c.page, c, () => ({ kind: 'page', key: c.page, href: c.href, cases: [] }));
    } else {
      // Failure causes in the payload's order (biggest first), then the
      // others as they come; a case without causes under its verdict.
      for (const x of A(P.causes)) {
        const k = Array.isArray(x) ? S(x[0]) : S(x);
        if (!groups.has(k)) groups.set(k, { kind: 'cause', key: k, cases: [] });
      }
      for (const c of shown) {
        if (c.causes.length) for (const k of new Set(c.causes)) put(k, c, () => ({ kind: 'cause', key: k, cases: [] }));
        else put('\u0000' + c.verdict, c, () => ({ kind: 'cause', key: '', verdict: c.verdict, cases: [] }));
      }
    }
    const out = [];
    for (const g of groups.values()) {
      if (!g.cases.length) continue;
      out.push({ g });
      for (const c of g.cases) out.push({ c });
    }
    return out;
  }

  function statusText(c) {
    const d = c.docStatus;
    const a = c.status;
    if (d !== null && a !== null) return d === a ? String(a) : d + ' → ' + a;
    if (d !== null) return c.sent === null ? String(d) : d + ' → –';
    return a !== null ? String(a) : '–';
  }

  function summary(c) {
    if (c.verdict === 'ignored' || c.verdict === 'ni') return c.reason;
    const fs = c.findings;
    if (!fs.length) return c.reason;
    const first = (c.verdict === 'fail' || c.verdict === 'known') ? fs.find((f) => f.severity === 'error') || fs[0] : fs[0];
    return (first.pointer ? first.pointer + ' ' : '') + first.message;
  }

  function badge(c) {
    const b = el('span', 'badge v-' + c.verdict, c.shownVerdict);
    b.title = LABEL[c.verdict];
    return b;
  }

  function row(c) {
    const li = el('li', 'row v-' + c.verdict, badge(c), el('span', 'id', c.id), el('span', 'm', c.method),
      el('span', 'st', statusText(c)), el('span', 'sum', summary(c)));
    if (c.findings.length > 1) li.lastChild.append(el('span', 'more-n', ' +' + (c.findings.length - 1)));
    li.dataset.i = String(c.i);
    li.dataset.id = c.id;
    li.dataset.verdict = c.verdict;
    if (c === openCase) li.classList.add('open');
    return li;
  }

  function groupRow(g) {
    const counts = counted(g.cases.map((c) => c.verdict));
    const label = g.kind === 'page'
      ? link(g.href, g.key || '(no page)')
      : g.key ? el('span', 'gl', g.key) : el('span', 'gl muted', 'no failure cause: ' + LABEL[g.verdict]);
    const li = el('li', 'gh', label, ' ', el('span', 'gn', plural(g.cases.length, 'case', 'cases')), ' ',
      el('span', 'gv', VERDICTS.filter((v) => counts.get(v)).map((v) => el('span', 'vc v-' + v, num(counts.get(v)) + ' ' + BADGE[v]))));
    li.dataset.group = g.kind;
    li.dataset.key = g.key;
    return li;
  }

  function link(href, label) {
    const safe = safeHref(href);
    if (!safe) {
      const s = el('span', 'nolink', label);
      if (href) s.title = 'not a link: ' + vis(href);
      return s;
    }
    const a = el('a', null, label);
    a.href = safe;
    return a;
  }

  function renderList() {
    ui.list.textContent = '';
    rendered = 0;
    rowEls = [];
    if (!items.length) {
      ui.list.append(el('li', 'empty', cases.length ? 'No case matches this view.' : 'This report has no cases.'));
    }
    renderMore(CHUNK);
  }

  function renderMore(upto) {
    const end = Math.min(items.length, Math.max(upto, rendered));
    if (end <= rendered && rendered > 0) return;
    const old = ui.list.querySelector('.more');
    if (old) {
      if (ui.io) ui.io.unobserve(old);
      old.remove();
    }
    const frag = document.createDocumentFragment();
    for (let i = rendered; i < end; i++) {
      const it = items[i];
      const e = it.g ? groupRow(it.g) : row(it.c);
      if (i === cursor) e.classList.add('cur');
      rowEls[i] = e;
      frag.append(e);
    }
    rendered = end;
    if (rendered < items.length) {
      const more = el('li', 'more', el('button', 'link', 'show ' + num(Math.min(CHUNK, items.length - rendered)) + ' more (' + num(items.length - rendered) + ' not drawn yet)'));
      frag.append(more);
      if (ui.io) ui.io.observe(more);
    }
    ui.list.append(frag);
  }

  function ensureRendered(i) {
    if (i >= rendered) renderMore(i + CHUNK);
  }

  /** Everything after a change of state: controls, list, fragment, detail. */
  function apply(fromHash) {
    toControls();
    const keep = cursor >= 0 && items[cursor] && items[cursor].c;
    items = computeItems();
    cursor = keep ? items.findIndex((it) => it.c === keep) : -1;
    renderList();
    const want = state.case === null ? null : byId.get(state.case) || state.case;
    if (want === null) {
      if (openCase || !ui.detail.hidden) close(false);
    } else if (typeof want === 'string') {
      showMissing(want);
    } else if (want !== openCase || fromHash) {
      open(want, fromHash);
    }
    writeHash();
  }

  function moveCursor(step) {
    let i = cursor;
    for (;;) {
      i += step;
      if (i < 0 || i >= items.length) return;
      if (items[i].c) break;
    }
    ensureRendered(i);
    if (rowEls[cursor]) rowEls[cursor].classList.remove('cur');
    cursor = i;
    const e = rowEls[i];
    if (e) {
      e.classList.add('cur');
      e.scrollIntoView({ block: 'nearest' });
    }
    if (openCase) open(items[i].c, false);
  }

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    const typing = t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
    if (typing) {
      if (e.key === 'Escape') t.blur();
      else if (e.key === 'Enter' && t === ui.q) {
        t.blur();
        if (cursor < 0) moveCursor(1);
      }
      return;
    }
    switch (e.key) {
      case '/':
        e.preventDefault();
        ui.q.focus();
        ui.q.select();
        break;
      case 'j':
        e.preventDefault();
        moveCursor(1);
        break;
      case 'k':
        e.preventDefault();
        moveCursor(-1);
        break;
      case 'Enter':
        if (t && (t.tagName === 'BUTTON' || t.tagName === 'A' || t.tagName === 'SUMMARY')) return;
        if (cursor >= 0 && items[cursor] && items[cursor].c) {
          e.preventDefault();
          open(items[cursor].c, false);
        }
        break;
      case 'Escape':
        if (openCase || !ui.detail.hidden) {
          e.preventDefault();
          close(true);
        }
        break;
      default:
    }
  }

  // ------------------------------------------------------------ the detail

  function markRows() {
    for (const e of rowEls) {
      if (!e || !e.classList.contains('row')) continue;
      e.classList.toggle('open', openCase !== null && e.dataset.i === String(openCase.i));
    }
  }

  function close(write) {
    openCase = null;
    state.case = null;
    ui.detail.hidden = true;
    ui.detail.textContent = '';
    delete ui.detail.dataset.id;
    document.body.classList.remove('with-detail');
    markRows();
    if (write) writeHash();
  }

  function showMissing(id) {
    openCase = null;
    markRows();
    const d = ui.detail;
    d.textContent = '';
    d.hidden = false;
    d.dataset.id = id;
    document.body.classList.add('with-detail');
    d.append(el('div', 'dh', el('h2', 'did', id), closeButton()), el('p', 'muted', 'This report has no case with this id.'));
  }

  function closeButton() {
    const x = el('button', 'close', '×');
    x.type = 'button';
    x.title = 'close (Esc)';
    x.setAttribute('aria-label', 'close');
    x.addEventListener('click', () => close(true));
    return x;
  }

  function open(c, scroll) {
    openCase = c;
    state.case = c.key;
    renderDetail(c);
    markRows();
    if (scroll) {
      const at = items.findIndex((it) => it.c === c);
      if (at >= 0) {
        ensureRendered(at);
        if (rowEls[cursor]) rowEls[cursor].classList.remove('cur');
        cursor = at;
        rowEls[at].classList.add('cur');
        const r = rowEls[at].getBoundingClientRect();
        const top = ui.bar.getBoundingClientRect().bottom;
        if (r.top < top || r.bottom > window.innerHeight) rowEls[at].scrollIntoView({ block: 'center' });
      }
    }
    writeHash();
  }

  /** What the findings mark: the status, header rows, body pointers. */
  function marksOf(c) {
    const m = { status: [], headers: new Map(), pointers: new Map() };
    const push = (map, k, f) => (map.get(k) || map.set(k, []).get(k)).push(f);
    for (const f of c.findings) {
      if (f.kind === 'status') m.status.push(f);
      else if (f.kind === 'content-type') push(m.headers, 'content-type', f);
      else if (f.kind === 'header') {
        const name = (f.documented || '').split(':')[0].trim() || (/header (\S+)/.exec(f.message) || [])[1] || '';
        if (name) push(m.headers, name.toLowerCase(), f);
      } else if (!NOT_BODY.has(f.kind)) push(m.pointers, f.pointer, f);
    }
    return m;
  }

  function section(title, ...kids) {
    return el('section', 'part', el('h3', null, title), ...kids);
  }

  function copyBlock(label, value, none) {
    if (value === null || value === '') return section(label, el('p', 'muted', none));
    const pre = el('pre', 'code', value);
    const b = el('button', 'copy', 'copy');
    b.type = 'button';
    b.title = 'copy ' + label.toLowerCase();
    b.addEventListener('click', () => copy(vis(value), b));
    const s = section(label, pre);
    s.querySelector('h3').append(' ', b);
    return s;
  }

  function copy(t, b) {
    const label = b.dataset.label || (b.dataset.label = b.textContent);
    const done = (ok) => {
      b.textContent = ok ? 'copied' : 'select and copy';
      setTimeout(() => (b.textContent = label), 1500);
    };
    const fallback = () => {
      const ta = el('textarea');
      ta.value = t;
      ta.setAttribute('readonly', '');
      ta.style.position = 'fixed';
      ta.style.opacity = '0';
      document.body.append(ta);
      ta.select();
      let ok = false;
      try {
        ok = document.execCommand('copy');
      } catch (e) {
        ok = false;
      }
      ta.remove();
      done(ok);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(t).then(() => done(true), fallback);
    else fallback();
  }

  function renderDetail(c) {
    const d = ui.detail;
    d.textContent = '';
    d.hidden = false;
    d.dataset.id = c.id;
    document.body.classList.add('with-detail');
    d.scrollTop = 0;

    d.append(el('div', 'dh', badge(c), el('h2', 'did', c.id), closeButton()));
    const where = el('p', 'where');
    where.append(link(c.href, (c.page || '(no page)') + (c.line !== null ? ':' + c.line : '')));
    if (c.area) where.append(' · area ', el('b', null, c.area));
    if (c.ms !== null) where.append(' · ' + (c.ms < 10 ? c.ms.toFixed(1) : num(Math.round(c.ms))) + ' ms');
    d.append(where);
    d.append(el('p', 'req', el('b', 'm', c.method), ' ', el('span', 'url', c.url), ' ', el('span', 'st', statusText(c))));
    if (c.reason) {
      const said = c.reason.toLowerCase().startsWith(LABEL[c.verdict]);
      d.append(el('p', 'reason v-' + c.verdict, said ? '' : LABEL[c.verdict] + ': ', c.reason));
    }
    if (c.causes.length) d.append(el('p', 'causes-of', 'cause' + (c.causes.length > 1 ? 's' : '') + ': ', c.causes.map((k, i) => [i ? ' · ' : '', el('span', 'cause', k)])));

    const notSent = c.verdict === 'ni' ? 'not sent: the service does not implement it' : c.verdict === 'ignored' ? 'not sent: ignored' : 'not sent';
    d.append(copyBlock('Request as sent', c.sent, notSent));
    d.append(copyBlock('curl', c.curl, notSent));
    d.append(copyBlock('Re-run this case', c.rerun, 'no command'));

    const marks = marksOf(c);
    d.append(findingsTable(c));
    const sides = el('div', 'sides');
    const docLines = c.doc ? linesOf(c.doc) : null;
    sides.append(side('doc', 'Documented', c.doc, c, marks, docLines, docLines));
    sides.append(side('actual', 'Actual', c.actual, c, marks, c.actual ? linesOf(c.actual) : null, docLines));
    d.append(el('section', 'part', el('h3', null, 'Documented vs actual'), sides));
    // Each body scrolled (inside itself) to its first marked line.
    for (const box of d.querySelectorAll('.body')) {
      const first = box.querySelector('.ln.hl, .ln.hl-near');
      if (first && first.offsetTop > box.clientHeight * 0.6) box.scrollTop = first.offsetTop - box.clientHeight / 3;
    }
  }

  function findingsTable(c) {
    if (!c.findings.length) return section('Findings', el('p', 'muted', c.verdict === 'pass' ? 'none: it conforms' : 'none'));
    const t = el('table', 'grid findings');
    t.append(el('thead', null, el('tr', null, ['pointer', 'kind', 'severity', 'documented', 'actual', 'message'].map((h) => el('th', null, h)))));
    const body = el('tbody');
    for (const f of c.findings) {
      const tr = el('tr', 'f sev-' + f.severity, el('td', 'ptr', f.pointer || (NOT_BODY.has(f.kind) ? '' : '(body)')),
        el('td', null, f.kind), el('td', null, el('span', 'sev', f.severity)), el('td', 'val', f.documented === null ? '' : f.documented),
        el('td', 'val', f.actual === null ? '' : f.actual), el('td', null, f.message));
      tr.dataset.pointer = f.pointer;
      tr.dataset.kind = f.kind;
      tr.title = 'show in both documents';
      body.append(tr);
    }
    t.append(body);
    t.addEventListener('click', (e) => {
      const tr = e.target.closest('tr.f');
      if (tr) reveal(tr.dataset.pointer, tr.dataset.kind);
    });
    return section('Findings (' + c.findings.length + ')', t);
  }

  /** Scroll both documents to what a finding marks. */
  function reveal(pointer, kind) {
    for (const sideEl of ui.detail.querySelectorAll('.side')) {
      let target = null;
      if (kind === 'status') target = sideEl.querySelector('.status-line');
      else if (kind === 'header' || kind === 'content-type') target = sideEl.querySelector('tr.hl, tr.hl-near');
      else {
        for (const l of sideEl.querySelectorAll('.ln.hl, .ln.hl-near')) {
          if (l.dataset.pointer === pointer || (l.dataset.for || '').split('\n').includes(pointer)) {
            target = l;
            break;
          }
        }
      }
      if (target) {
        target.scrollIntoView({ block: 'center' });
        target.classList.remove('flash');
        void target.offsetWidth;
        target.classList.add('flash');
      }
    }
  }

  // ------------------------------------------------------------ bodies

  const ptrEsc = (k) => k.replace(/~/g, '~0').replace(/\//g, '~1');
  const parentOf = (p) => (p === '' ? null : p.slice(0, p.lastIndexOf('/')));

  /** A JSON value as lines: {d: depth, p: pointer | null, end: pointer | null, parts: [[class, text]]}. */
  function jsonLines(v) {
    const out = [];
    const scalar = (x) =>
      typeof x === 'string' ? ['s', JSON.stringify(x)] : typeof x === 'number' ? ['n', String(x)]
        : typeof x === 'boolean' ? ['b', String(x)] : x === null ? ['z', 'null'] : ['s', S(x)];
    const walk = (x, p, key, d, comma) => {
      const pre = key === null ? [] : [['k', JSON.stringify(key)], ['pu', ': ']];
      const tail = comma ? [['pu', ',']] : [];
      if (x !== null && typeof x === 'object') {
        const arr = Array.isArray(x);
        const keys = arr ? null : Object.keys(x);
        const n = arr ? x.length : keys.length;
        if (n === 0 || d >= MAX_DEPTH) {
          out.push({ d, p, end: null, parts: [...pre, ['pu', n === 0 ? (arr ? '[]' : '{}') : JSON.stringify(x)], ...tail] });
          return;
        }
        out.push({ d, p, end: null, parts: [...pre, ['pu', arr ? '[' : '{']] });
        for (let i = 0; i < n; i++) {
          const k = arr ? i : keys[i];
          walk(arr ? x[i] : x[k], p + '/' + ptrEsc(String(k)), arr ? null : k, d + 1, i < n - 1);
        }
        out.push({ d, p: null, end: p, parts: [['pu', arr ? ']' : '}'], ...tail] });
      } else {
        out.push({ d, p, end: null, parts: [...pre, scalar(x), ...tail] });
      }
    };
    walk(v, '', null, 0, false);
    return out;
  }

  const textLines = (t) => {
    const lines = t.split('\n').map((s) => ({ d: 0, p: null, end: null, parts: [['t', s]] }));
    prettyPointers(lines);
    return lines;
  };

  const PRETTY = /^( *)(?:("(?:[^"\\]|\\.)*"): )?(.*?)(,?)$/;

  /**
   * A JSON body too large for the page comes as its pretty-printed text, cut
   * (src/report/html.rs `capped_json`): its lines get their pointers back
   * from the layout (two spaces a level, one member a line), up to the cut
   * or the first line that does not fit it.
   */
  function prettyPointers(lines) {
    const first = lines.length ? lines[0].parts[0][1] : '';
    if (first !== '{' && first !== '[') return;
    const stack = []; // {arr, p, i}
    for (const l of lines) {
      const m = PRETTY.exec(l.parts[0][1]);
      if (!m) return;
      const [, indent, rawKey, rest] = m;
      const closing = rest === '}' || rest === ']';
      if (indent.length !== 2 * (stack.length - (closing ? 1 : 0))) return;
      if (closing) {
        if (rawKey || !stack.length || (rest === ']') !== stack[stack.length - 1].arr) return;
        l.end = stack.pop().p;
        continue;
      }
      let p;
      if (!stack.length) {
        if (rawKey || l !== lines[0]) return;
        p = '';
      } else {
        const top = stack[stack.length - 1];
        if (top.arr === Boolean(rawKey)) return;
        let key;
        try {
          key = top.arr ? String(top.i++) : JSON.parse(rawKey);
        } catch (e) {
          return;
        }
        p = top.p + '/' + ptrEsc(key);
      }
      l.p = p;
      if (rest === '{' || rest === '[') stack.push({ arr: rest === '[', p, i: 0 });
    }
  }

  /** The lines of a response's body, or null when it has none. */
  function linesOf(r) {
    if ('json' in r) return jsonLines(r.json);
    if (typeof r.text === 'string') return textLines(r.text);
    return null;
  }

  function side(which, title, r, c, marks, lines, docLines) {
    const sec = el('section', 'side side-' + which);
    sec.dataset.side = which;
    sec.append(el('h4', null, title));
    if (!r) {
      const why = which === 'doc' ? 'no response documented'
        : c.sent === null ? 'not sent'
          : c.findings.some((f) => f.kind === 'transport') ? 'no response: the exchange failed' : 'no response';
      sec.append(el('p', 'muted', why));
      return sec;
    }
    const st = N(r.status);
    const sl = el('div', 'status-line', 'HTTP ', el('b', null, st === null ? '–' : String(st)));
    if (marks.status.length) {
      sl.classList.add('hl');
      sl.title = vis(marks.status.map((f) => f.message).join('\n'));
    }
    sec.append(sl);
    const hs = A(r.headers).filter(Array.isArray);
    const ht = el('table', 'headers');
    const seen = new Set();
    for (const h of hs) {
      const name = S(h[0]);
      const tr = el('tr', null, el('th', null, name), el('td', null, S(h[1])));
      const fs = marks.headers.get(name.toLowerCase());
      if (fs) {
        tr.className = 'hl';
        tr.title = vis(fs.map((f) => f.message).join('\n'));
        seen.add(name.toLowerCase());
      }
      ht.append(tr);
    }
    for (const [name, fs] of marks.headers) {
      if (seen.has(name) || which !== 'actual' || fs.every((f) => f.kind !== 'header')) continue;
      const tr = el('tr', 'hl-near absent', el('th', null, name), el('td', 'muted', '(absent)'));
      tr.title = vis(fs.map((f) => f.message).join('\n'));
      ht.append(tr);
    }
    if (ht.rows.length) sec.append(ht);
    if (which === 'doc' && r.truncated === true) {
      sec.append(el('p', 'note', 'The example is truncated: the properties it leaves out are not required.'));
    }
    let ls = lines;
    if (!ls && which === 'actual' && r.same === true) {
      ls = docLines;
      sec.append(el('p', 'note', 'The body is identical to the documented one.'));
    }
    if (!ls) {
      sec.append(el('p', 'muted', 'no body'));
      return sec;
    }
    const box = el('div', 'body' + ('text' in r && !('json' in r) ? ' text' : ''));
    box.dataset.side = which;
    drawLines(box, ls, marks.pointers, false);
    sec.append(box);
    const src = 'json' in r ? r : r.same === true && c.doc ? c.doc : r;
    const b = el('button', 'copy', 'copy body');
    b.type = 'button';
    b.addEventListener('click', () => copy(vis('json' in src ? JSON.stringify(src.json, null, 2) : S(src.text)), b));
    sec.querySelector('h4').append(' ', b);
    return sec;
  }

  function drawLines(box, lines, pointers, full) {
    box.textContent = '';
    const n = lines.length;
    const at = new Map();
    const endAt = new Map();
    for (let i = 0; i < n; i++) {
      if (lines[i].p !== null) at.set(lines[i].p, i);
      if (lines[i].end !== null) endAt.set(lines[i].end, i);
    }
    const mark = new Map(); // line → class
    const why = new Map(); // line → findings
    const note = (i, cls, f, p) => {
      if (mark.get(i) !== 'hl') mark.set(i, cls);
      (why.get(i) || why.set(i, []).get(i)).push([f, p]);
    };
    for (const [p, fs] of pointers) {
      for (const f of fs) {
        if (at.has(p)) {
          note(at.get(p), 'hl', f, p);
          if (endAt.has(p)) note(endAt.get(p), 'hl', f, p);
        } else {
          let q = parentOf(p);
          while (q !== null && !at.has(q)) q = parentOf(q);
          if (q !== null) note(at.get(q), 'hl-near', f, p);
        }
      }
    }
    if (pointers.size && !mark.size) box.classList.add('hl-near');
    const show = new Uint8Array(n);
    if (full || n <= BODY_CAP) show.fill(1);
    else {
      show.fill(1, 0, BODY_CAP);
      for (const i of mark.keys()) show.fill(1, Math.max(0, i - CONTEXT), Math.min(n, i + CONTEXT + 1));
    }
    // Lines go in chunks the browser lays out only when scrolled to
    // (content-visibility): a body of 30,000 lines costs what is seen.
    const frag = document.createDocumentFragment();
    const showAll = () => drawLines(box, lines, pointers, true);
    let cut = false;
    let chunk = null;
    for (let i = 0; i < n;) {
      if (show[i]) {
        if (!chunk || chunk.childNodes.length >= LINES_PER_CHUNK) frag.append((chunk = el('div', 'chunk')));
        const [e, wasCut] = lineEl(lines[i], i, mark.get(i), why.get(i), full);
        cut = cut || wasCut;
        chunk.append(e);
        i++;
      } else {
        let j = i;
        while (j < n && !show[j]) j++;
        const b = el('button', 'link', '… ' + plural(j - i, 'line', 'lines') + ' not drawn: show all ' + num(n));
        b.type = 'button';
        b.addEventListener('click', showAll);
        frag.append(el('div', 'gap', b));
        chunk = null;
        i = j;
      }
    }
    box.append(frag);
    if (cut) {
      const b = el('button', 'link', 'some long lines are cut: show them whole');
      b.type = 'button';
      b.addEventListener('click', showAll);
      box.append(el('div', 'gap', b));
    }
  }

  function lineEl(l, i, cls, why, full) {
    const e = document.createElement('div');
    e.className = cls ? 'ln ' + cls : 'ln';
    if (l.p !== null) e.dataset.pointer = l.p;
    if (l.end !== null) e.dataset.end = l.end;
    e.dataset.n = String(i + 1);
    if (l.d) e.style.setProperty('--d', String(l.d));
    let budget = full ? Infinity : LINE_CAP;
    let wasCut = false;
    for (const [k, t] of l.parts) {
      if (budget <= 0) break;
      const s = document.createElement('span');
      s.className = k;
      if (t.length > budget) {
        text(s, t.slice(0, budget));
        s.append(el('span', 'cut', '… ' + plural(t.length - budget, 'more character', 'more characters')));
        wasCut = true;
      } else text(s, t);
      budget -= t.length;
      e.appendChild(s);
    }
    if (why) {
      e.title = vis(why.map(([f, p]) => (cls === 'hl-near' ? p + ' (absent here): ' : '') + f.severity + ': ' + f.message).join('\n'));
      if (cls === 'hl-near') e.dataset.for = why.map(([, p]) => p).join('\n');
    }
    return [e, wasCut];
  }

  // ------------------------------------------------------------ layout

  /** The sticky bar's height, for the sticky detail pane under it. */
  function trackBar() {
    const set = () => document.documentElement.style.setProperty('--bar-h', ui.bar.offsetHeight + 'px');
    set();
    if ('ResizeObserver' in window) new ResizeObserver(set).observe(ui.bar);
  }

  try {
    start();
    // When the first view was drawn, for `cargo bench --bench html`.
    document.body.getBoundingClientRect();
    document.body.dataset.drawnMs = String(Math.round(performance.now()));
  } catch (e) {
    const app = document.getElementById('app') || document.body;
    app.append(el('p', 'fatal', 'This report failed to draw: ' + S(e && e.message)));
  }
})();
