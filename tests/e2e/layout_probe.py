"""What a reader sees cut or overlapping, measured in Chromium: Plotly's rendered SVG text boxes
against their chart's bounds and each other, and Streamlit text wider than its column. Shared by
tests/e2e/test_readable.py and anyone checking a page by hand (`problems(page)`)."""

from __future__ import annotations

# One pass over the page's DOM; returns one line per problem. Tolerance 1.5 px: sub-pixel
# rounding of SVG text, not a cut a person sees.
PROBE = r"""() => {
  const out = [], tol = 1.5;
  const name = el => (el.textContent || '').trim().slice(0, 60);
  const box = el => el.getBoundingClientRect();
  const inside = (a, b) => a.left >= b.left - tol && a.right <= b.right + tol && a.top >= b.top - tol && a.bottom <= b.bottom + tol;
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > tol && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > tol;
  const visible = el => { const r = box(el); return r.width > 0 && r.height > 0 && (el.textContent || '').trim() !== ''; };
  document.querySelectorAll("[data-testid='stMain'] .js-plotly-plot").forEach((plot, i) => {
    const bounds = box(plot.querySelector('.main-svg') || plot);
    const title = el => (plot.querySelector('.gtitle') || {}).textContent || `chart ${i}`;
    const parts = [];
    const add = (kind, sel) => plot.querySelectorAll(sel).forEach(el => { if (visible(el)) parts.push([kind, el, box(el)]); });
    add('title', '.gtitle'); add('x title', '.g-xtitle text, .xtitle'); add('y title', '.g-ytitle text, .ytitle');
    add('legend', '.legend .legendtext'); add('annotation', '.annotation-text');
    for (const [kind, el, r] of parts)
      if (!inside(r, bounds)) out.push(`${title()}: ${kind} "${name(el)}" cut by the chart's edge`);
    for (let a = 0; a < parts.length; a++)
      for (let b = a + 1; b < parts.length; b++) {
        const [ka, ea, ra] = parts[a], [kb, eb, rb] = parts[b];
        if (ka === kb && (ka === 'legend' || ka === 'annotation')) continue;  // one legend's own rows; annotations checked below
        if (overlap(ra, rb)) out.push(`${title()}: ${ka} "${name(ea)}" overlaps ${kb} "${name(eb)}"`);
      }
    // numbers written in heatmap cells (the confusion matrix): never wider than their cell
    const cells = [...plot.querySelectorAll('.hm text, .heatmaplayer text, .textpoint text')].filter(visible).map(el => [el, box(el)]);
    for (let a = 0; a < cells.length; a++)
      for (let b = a + 1; b < cells.length; b++)
        if (overlap(cells[a][1], cells[b][1])) { out.push(`${title()}: numbers "${name(cells[a][0])}" and "${name(cells[b][0])}" overlap`); a = cells.length; break; }
  });
  // Streamlit text wider than its block (a formula under the next column, a cut caption)
  document.querySelectorAll("[data-testid='stMain'] .katex-display, [data-testid='stMain'] [data-testid='stMarkdownContainer'], [data-testid='stMain'] [data-testid='stCaptionContainer']").forEach(el => {
    const block = el.closest("[data-testid='stColumn'], [data-testid='stVerticalBlock']");
    if (!block || !visible(el) || el.closest('[role=tablist]')) return;  // a tab bar scrolls, with arrows
    const limit = box(block).right + tol;
    // a formula too wide even when set smaller scrolls in its own focusable box: measure the box
    const shown = c => !c.classList.contains('katex') || getComputedStyle(c).overflowX !== 'visible' ? c :
                       getComputedStyle(c.parentElement).overflowX !== 'visible' ? c.parentElement : c;
    const wide = [...el.querySelectorAll('.katex, p, li, h1, h2, h3, table')].map(shown).find(c => box(c).right > limit && box(c).width > 0);
    if (wide) out.push(`text "${name(wide)}" runs past its column by ${Math.round(box(wide).right - limit)} px`);
  });
  return [...new Set(out)];
}"""


def problems(page) -> list[str]:
    return page.evaluate(PROBE)
