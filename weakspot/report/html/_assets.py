"""The report's stylesheet and its small script (sorting, filtering, thumbnails, print)."""

from __future__ import annotations

CSS = """
:root{--ink:#1d2433;--muted:#5b6577;--line:#e3e7ef;--soft:#f4f6fb;--red:#c0392b;--blue:#2f6db5;--green:#2e8b57}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--ink);line-height:1.45;background:#fff}
main{max-width:1180px;margin:0 auto;padding:1rem 1.5rem 3rem}
header.top{background:#fff;border-bottom:1px solid var(--line)}
header.top .in{max-width:1180px;margin:0 auto;padding:.5rem 1.5rem;display:flex;gap:1.2rem;align-items:baseline;flex-wrap:wrap}
header.top b{font-size:1.1rem}header.top a{color:var(--muted);text-decoration:none;font-size:.9rem}header.top a:hover{color:var(--blue)}
h1{font-size:1.5rem;margin:.8rem 0 .2rem}section:first-child h2{margin-top:.8rem}h2{font-size:1.2rem;margin:2.2rem 0 .6rem;border-bottom:2px solid var(--line);padding-bottom:.3rem}
h3{font-size:1rem;margin:1.2rem 0 .4rem}h4{font-size:.92rem;margin:.8rem 0 .3rem}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.4rem 0}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}table.compact{width:auto;min-width:28rem}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.bad td{background:#fdf1ef}
code{background:var(--soft);padding:.05rem .3rem;border-radius:3px;font-size:.88em;overflow-wrap:anywhere}
.muted{color:var(--muted)}.small{font-size:.8rem}.note{background:#fff8e1;padding:.6rem .9rem;border-radius:6px}
.tiles{display:flex;gap:.8rem;flex-wrap:wrap;margin:.6rem 0}
.tile{background:var(--soft);border-radius:8px;padding:.6rem 1rem;min-width:8.5rem}
.tile span{display:block;font-size:.8rem;color:var(--muted)}.tile b{font-size:1.35rem}
.tile i{display:block;font-style:normal;font-size:.78rem;color:var(--muted)}
.charts{display:flex;gap:2rem;flex-wrap:wrap;align-items:flex-start}
.charts figure{margin:0}.charts figcaption{font-size:.8rem;color:var(--muted);max-width:30rem}
svg.chart{display:block;overflow:visible;font-size:11px}svg.chart text{fill:var(--ink)}
svg.chart text.small{font-size:10px}svg.chart text.muted{fill:var(--muted)}
.controls{display:flex;gap:.6rem;flex-wrap:wrap;align-items:center;background:var(--soft);padding:.5rem .7rem;border-radius:8px;margin:.6rem 0;font-size:.88rem}
.controls select,.controls input{font:inherit;padding:.2rem .4rem;border:1px solid #c9d0dd;border-radius:4px;background:#fff}
.controls input{min-width:14rem}
details.card{border:1px solid var(--line);border-radius:8px;margin:.5rem 0;background:#fff}
details.card[open]{box-shadow:0 1px 6px #1d243314}
details.card>summary{cursor:pointer;padding:.55rem .8rem;display:grid;grid-template-columns:2.6rem 1fr auto;gap:.8rem;align-items:center;list-style:none}
details.card>summary::-webkit-details-marker{display:none}
details.card>summary .rank{font-weight:700;color:var(--muted)}
details.card>summary .title{font-weight:600;overflow-wrap:anywhere}
details.card>summary .stats{display:grid;grid-template-columns:5rem 5.5rem 110px 3rem 5.5rem 8.5rem;gap:.5rem;align-items:center;font-size:.82rem;color:var(--muted);white-space:nowrap}
details.card>summary .stats>span:first-child,details.card>summary .stats>span:nth-child(2){text-align:right}
details.card.mode>summary .stats{display:flex;gap:.9rem}
details.card>summary .stats b{color:var(--ink)}
.body{padding:.2rem 1rem 1rem;border-top:1px solid var(--line)}
.badge{display:inline-block;border-radius:10px;padding:0 .5rem;font-size:.75rem;background:#e7ebf3;color:var(--ink)}
.badge.mode{background:#fde8e4}.stats .badge{justify-self:start}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;font-size:.86rem;margin:.4rem 0}
.kv dt{color:var(--muted)}.kv dd{margin:0;font-variant-numeric:tabular-nums}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1rem}
.thumbs{display:flex;gap:.35rem;flex-wrap:wrap;margin:.2rem 0 .6rem}
.thumbs figure{margin:0;text-align:center;font-size:.7rem;width:76px;overflow:hidden}
.thumbs figcaption{line-height:1.15;overflow-wrap:anywhere}
img.thumb{width:72px;height:72px;image-rendering:pixelated;border-radius:4px;background:var(--soft);display:block;margin:0 auto}
img.big{width:128px;height:128px;border-radius:4px;background:var(--soft)}
.wrong{color:var(--red)}.right{color:var(--green)}
.hists{display:flex;gap:1.2rem;flex-wrap:wrap}.hists figure{margin:0}.hists figcaption{font-size:.78rem}
.legend i{display:inline-block;width:.7rem;height:.7rem;border-radius:2px;vertical-align:middle;margin:0 .2rem 0 .5rem}
ul.plain{padding-left:1.1rem;margin:.3rem 0}
footer{margin-top:3rem;font-size:.8rem;color:var(--muted)}
@media (max-width:900px){details.card>summary{grid-template-columns:2.6rem 1fr}details.card>summary .stats{grid-column:1/-1;display:flex;flex-wrap:wrap}}
@media print{
 header.top,.controls{display:none}
 main{max-width:none;padding:0}
 details.card{break-inside:avoid;box-shadow:none}
 h2{break-after:avoid}
 a{color:inherit;text-decoration:none}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

JS = """
(function () {
  "use strict";
  var store = document.getElementById("ws-thumbs");
  var thumbs = store ? JSON.parse(store.textContent) : {};
  // pictures inside a closed card are filled in when it opens, so the page is ready at once
  function fill(root, all) {
    var imgs = root.querySelectorAll("img[data-t]");
    for (var i = 0; i < imgs.length; i++) {
      if (!all && imgs[i].closest("details:not([open])")) { continue; }
      var uri = thumbs[imgs[i].getAttribute("data-t")];
      if (uri && !imgs[i].src) { imgs[i].src = uri; }
    }
  }
  fill(document, false);
  document.addEventListener("toggle", function (ev) {
    if (ev.target.open) { fill(ev.target, false); }
  }, true);
  window.addEventListener("beforeprint", function () {
    var all = document.querySelectorAll("details");
    for (var d = 0; d < all.length; d++) { all[d].open = true; }
    fill(document, true);
  });
  if (location.hash) {
    var target = document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest ? ev.target.closest("a.jump") : null;
    if (!link) { return; }
    var card = document.getElementById(link.getAttribute("href").slice(1));
    if (card && card.tagName === "DETAILS") { card.open = true; }
  });

  var list = document.getElementById("slice-list");
  function ready() {
    // milliseconds from navigation until the page answers; the browser tests read it
    document.documentElement.setAttribute("data-ready-ms", String(Math.round(performance.now())));
  }
  if (!list) { ready(); return; }
  var cards = Array.prototype.slice.call(list.querySelectorAll("details.card"));
  var sortBy = document.getElementById("sort-by");
  var finder = document.getElementById("filter-finder");
  var feature = document.getElementById("filter-feature");
  var mode = document.getElementById("filter-mode");
  var text = document.getElementById("filter-text");
  var count = document.getElementById("slice-count");
  var ascending = {rank: true, q: true};
  function number(card, key) {
    var v = parseFloat(card.getAttribute("data-" + key));
    return isNaN(v) ? 0 : v;
  }
  function apply() {
    var key = sortBy.value, sign = ascending[key] ? 1 : -1;
    var words = text.value.toLowerCase().trim();
    var shown = 0;
    cards.forEach(function (card) {
      var ok = (!finder.value || card.getAttribute("data-finder") === finder.value) &&
        (!feature.value || JSON.parse(card.getAttribute("data-features")).indexOf(feature.value) >= 0) &&
        (!mode || !mode.value || card.getAttribute("data-mode") === mode.value) &&
        (!words || card.getAttribute("data-text").indexOf(words) >= 0);
      card.hidden = !ok;
      if (ok) { shown++; }
    });
    cards.slice().sort(function (a, b) {
      return sign * (number(a, key) - number(b, key)) || number(a, "rank") - number(b, "rank");
    }).forEach(function (card) { list.appendChild(card); });
    count.textContent = shown + " of " + cards.length + " slices";
  }
  [sortBy, finder, feature, mode].forEach(function (el) { if (el) { el.addEventListener("change", apply); } });
  text.addEventListener("input", apply);
  apply();
  ready();
})();
"""
