"""The page's own CSS and the script in its <head> (static text, no Gradio import).

HEAD makes the page Dutch where Gradio does not: Gradio picks its built-in translations (nl
included) from `navigator.language`, so the script reports Dutch before Gradio starts, sets
`<html lang="nl">` (and keeps it), and rewrites the few messages Gradio hard-codes in English
(the "connection lost" toast among them). It also turns a click on `[n]` in an answer or on
"Bekijk op de pagina" into `window.czPick` ("ref:K:N" / "page:K:N") and presses the hidden
button #cz-pick-btn, whose event hands the value to the server (app/ui/chat.py `ChatTab.pick`).
"""

CSS = """
.gradio-container { max-width: 1480px !important; margin: 0 auto !important; }
#cz-header { padding: 6px 4px 2px 4px; }
#cz-header h1 { font-size: 1.65rem; margin: 0; letter-spacing: -0.01em; }
#cz-header h1 .cz-dot { color: var(--color-accent); }
#cz-header p { margin: 4px 0 0 0; color: var(--body-text-color-subdued); font-size: 0.95rem; }
.cz-stats { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.cz-pill { font-size: 0.78rem; padding: 2px 9px; border-radius: 999px; border: 1px solid var(--border-color-primary);
  color: var(--body-text-color-subdued); background: var(--background-fill-secondary); }
#cz-filters { position: sticky; top: 8px; }
#cz-filters .cz-filter-title { font-weight: 600; font-size: 0.95rem; margin: 2px 0 6px 2px; }
.cz-sources { display: flex; flex-direction: column; gap: 10px; max-height: 600px; overflow-y: auto;
  padding-right: 4px; }
.cz-sources-head { font-weight: 600; font-size: 0.95rem; margin: 0 0 2px 2px; }
.cz-notice { font-size: 0.85rem; padding: 8px 10px; border-radius: 8px; background: var(--background-fill-secondary);
  border: 1px dashed var(--border-color-primary); color: var(--body-text-color-subdued); }
.cz-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  background: var(--block-background-fill); }
.cz-card-head { display: flex; align-items: center; gap: 8px; font-size: 0.82rem; margin-bottom: 4px; }
.cz-n { display: inline-flex; align-items: center; justify-content: center; min-width: 22px; height: 22px;
  border-radius: 6px; background: var(--color-accent); color: white; font-weight: 700; font-size: 0.78rem; }
.cz-who { font-weight: 700; }
.cz-kind { margin-left: auto; font-size: 0.72rem; text-transform: uppercase; letter-spacing: 0.04em;
  color: var(--body-text-color-subdued); }
.cz-where { font-size: 0.8rem; color: var(--body-text-color-subdued); margin-bottom: 6px; }
.cz-ctx { font-size: 0.88rem; line-height: 1.5; white-space: pre-line; }
.cz-ctx mark { background: #fde68a; color: #1f2937; padding: 1px 2px; border-radius: 3px; }
.cz-interviewer { font-size: 0.8rem; font-style: italic; color: var(--body-text-color-subdued); margin-bottom: 4px; }
.cz-empty { color: var(--body-text-color-subdued); font-size: 0.9rem; padding: 18px 6px; }
.cz-badge { font-size: 0.8rem; color: var(--body-text-color-subdued); }
.cz-more-note { font-size: 0.75rem; color: var(--body-text-color-subdued); margin-top: 4px; }
#chat .message-content .prose, #chat .message-content .prose * { font-size: 14.5px; line-height: 1.55; }
#chat .message-content .prose ul { padding-left: 1.1rem; margin: 0.3rem 0 0.6rem 0; }
#chat .message-content .prose li { margin: 0.3rem 0; }
#chat .message-content .prose p { margin: 0.4rem 0; }
#chat .message-content .prose strong { color: var(--color-accent); font-weight: 650; }
#chat .message-content .prose .cz-badge { font-size: 12.5px; }
#question textarea { font-size: 0.95rem; }
#chat button[aria-label="Clear"] { display: none !important; }
#ask, #reset, #search-btn { white-space: nowrap; }
#search-results *, #respondent-quotes * { font-family: var(--font) !important; font-size: 13.5px; }
#search-results th *, #respondent-quotes th * { word-break: normal !important; overflow-wrap: normal !important;
  font-weight: 600; }
footer { display: none !important; }
.cz-card.cz-selected { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
.cz-card-foot { margin-top: 6px; font-size: 0.8rem; }
.cz-card-foot a, a.cz-ref { color: var(--color-accent); cursor: pointer; text-decoration: none; font-weight: 600; }
a.cz-ref:hover, .cz-card-foot a:hover { text-decoration: underline; }
.cz-label-unattributed { color: #b45309; }
.cz-label-report { color: var(--body-text-color-subdued); }
.cz-time { font-variant-numeric: tabular-nums; color: var(--body-text-color-subdued); margin-right: 6px; }
.cz-transcript { max-height: 520px; overflow-y: auto; font-size: 0.88rem; line-height: 1.5; }
.cz-transcript .cz-turn { padding: 6px 8px; border-radius: 8px; margin-bottom: 4px; }
.cz-transcript .cz-turn.cz-here { background: #fef3c7; border: 1px solid #f59e0b; }
.cz-upload-log { font-size: 0.88rem; }
#pageview-img img { object-fit: contain; }
#search-results, #respondent-quotes { overflow-x: auto; }
@media (max-width: 760px) {
  #cz-header h1 { font-size: 1.3rem; }
  #cz-main { flex-direction: column !important; }
  #cz-filters { position: static; order: 2; min-width: 0 !important; width: 100% !important; }
  #cz-content { order: 1; min-width: 0 !important; width: 100% !important; }
  #cz-chat-row { flex-direction: column !important; }
  #cz-chat-row > div { min-width: 0 !important; width: 100% !important; }
  #chat { height: 55vh !important; }
  #cz-header p { display: none; }
  .cz-sources { max-height: none; }
  #cz-content, #cz-tabs, #cz-tabs .tabitem { min-width: 0 !important; max-width: 100% !important; }
  /* tables keep readable columns and scroll sideways inside their own box */
  #search-results .table-container, #respondent-quotes .table-container { max-width: calc(100vw - 24px) !important;
    overflow-x: auto !important; }
  #search-results .table-wrap, #respondent-quotes .table-wrap { width: 760px !important; min-width: 760px !important; }
}
"""

HEAD = """
<style>
/* here, not in CSS: Gradio scopes the custom CSS inside .gradio-container, so rules for the
   container itself only work from the head */
@media (max-width: 760px) {
  .gradio-container, .gradio-container .main { max-width: 100vw !important; min-width: 0 !important;
    box-sizing: border-box !important; }
  .gradio-container .main.fillable { padding-left: 6px !important; padding-right: 6px !important; }
}
</style>
<script>
(function () {
  try {
    Object.defineProperty(navigator, "language", { get: function () { return "nl-NL"; } });
    Object.defineProperty(navigator, "languages", { get: function () { return ["nl-NL", "nl"]; } });
  } catch (e) {}
  var root = document.documentElement;
  root.lang = "nl";
  var NL = {
    "Connection to the server was lost. Attempting reconnection...":
      "De verbinding met de server is verbroken. Opnieuw verbinden…",
    "Connection errored out.": "De verbinding is mislukt.",
    "Connection errored out. ": "De verbinding is mislukt.",
    "This application is currently busy. Please try again. ": "De toepassing is bezet. Probeer het zo opnieuw.",
    "Error": "Fout",
    "chatbot conversation": "gesprek",
    "More tabs": "Meer tabbladen",
    "Scroll to bottom": "Naar beneden",
    "Copy message": "Kopieer bericht",
    "Copied message": "Bericht gekopieerd",
    "Drop File Here": "Sleep een bestand hierheen",
    "Drop CSV Here": "Sleep een CSV-bestand hierheen",
    "- or -": "- of -",
    "Click to Upload": "Klik om te uploaden",
    "Paste from Clipboard": "Plakken van het klembord"
  };
  function dutch(node) {
    if (node.nodeType === 3) {
      var t = node.nodeValue, k = t && t.trim();
      if (k && NL[k]) node.nodeValue = t.replace(k, NL[k]);
      return;
    }
    if (node.nodeType !== 1) return;
    ["aria-label", "title"].forEach(function (a) {
      var v = node.getAttribute && node.getAttribute(a);
      if (v && NL[v]) node.setAttribute(a, NL[v]);
    });
    for (var c = node.firstChild; c; c = c.nextSibling) dutch(c);
  }
  new MutationObserver(function (records) {
    if (root.lang !== "nl") root.lang = "nl";
    records.forEach(function (r) {
      if (r.type === "characterData") dutch(r.target);
      else if (r.type === "attributes") dutch(r.target);
      else r.addedNodes.forEach(dutch);
    });
  }).observe(root, { subtree: true, childList: true, characterData: true, attributes: true,
                     attributeFilter: ["lang", "aria-label", "title"] });
  document.addEventListener("click", function (e) {
    var a = e.target && e.target.closest ? e.target.closest("a.cz-ref, a.cz-page") : null;
    if (!a) return;
    e.preventDefault();
    e.stopPropagation();
    var m = /-(\\d+)-(\\d+)$/.exec(a.getAttribute("href") || "");
    if (!m) return;
    window.czPick = (a.classList.contains("cz-page") ? "page" : "ref") + ":" + m[1] + ":" + m[2];
    var btn = document.querySelector("#cz-pick-btn");
    if (btn) btn.click();
  }, true);
  // A new answer comes into view from its first line (the question above it), never from its end;
  // the sources panel follows the answer the reader has in view (turn:K:0 asks the page for them).
  var shownTurn = -1, seenQuestions = 0, quietPick = false;
  function chatLog() { return document.querySelector("#chat [role=log]"); }
  function showLatest(log) {
    var users = log.querySelectorAll('[data-testid="user"]');
    var bots = log.querySelectorAll('[data-testid="bot"]');
    var q = users[users.length - 1], a = bots[bots.length - 1];
    if (!q && !a) return;
    var target = q && q.getBoundingClientRect().height < log.clientHeight / 3 ? q : (a || q);
    log.scrollTop += target.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
    var chat = document.querySelector("#chat"), box = chat.getBoundingClientRect();
    if (box.top < 0 || box.top > window.innerHeight - 120) chat.scrollIntoView({ block: "start" });
  }
  function answerInView(log) {
    var bots = log.querySelectorAll('[data-testid="bot"]'), best = -1, most = 0;
    var top = log.getBoundingClientRect().top, bottom = log.getBoundingClientRect().bottom;
    bots.forEach(function (b, i) {
      var r = b.getBoundingClientRect(), seen = Math.min(r.bottom, bottom) - Math.max(r.top, top);
      if (seen > most) { most = seen; best = i; }
    });
    return best;
  }
  var follow = null, settling = false, movedAt = 0;
  new MutationObserver(function () {
    var log = chatLog();
    if (!log) return;
    var n = log.querySelectorAll('[data-testid="user"]').length;
    if (n !== seenQuestions) { seenQuestions = n; settling = n > 0; shownTurn = n - 1; }
    if (settling) {
      // until the answer is complete (app/ui.py marks it cz-end), keep its question at the top of the chat
      movedAt = Date.now();
      showLatest(log);
      var bots = log.querySelectorAll('[data-testid="bot"]');
      var last = bots[bots.length - 1];
      if (last && bots.length >= n && last.querySelector(".cz-end")) settling = false;
    }
    if (!log.czWatched) {
      log.czWatched = true;
      log.addEventListener("scroll", function () {
        if (settling || Date.now() - movedAt < 600) return;  // the page moved it, not the reader
        clearTimeout(follow);
        follow = setTimeout(function () {
          var k = answerInView(log);
          if (k < 0 || k === shownTurn) return;
          shownTurn = k;
          quietPick = true;
          window.czPick = "turn:" + k + ":0";
          var btn = document.querySelector("#cz-pick-btn");
          if (btn) btn.click();
        }, 250);
      });
    }
  }).observe(document.documentElement, { subtree: true, childList: true });
  window.czShow = function () {
    if (quietPick) { quietPick = false; return; }
    setTimeout(function () {
      var here = document.querySelector("#cz-here");
      if (here) here.scrollIntoView({ block: "center" });
      var target = (window.czPick || "").indexOf("page:") === 0
        ? document.querySelector("#pageview") : document.querySelector("#sources .cz-selected");
      if (target) target.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }, 150);
  };
  if (window.innerWidth > 760) {
    window.addEventListener("load", function () {
      setTimeout(function () {
        var q = document.querySelector("#question textarea");
        if (q) q.focus({ preventScroll: true });
      }, 600);
    });
  }
})();
</script>
"""


# ---------------------------------------------------------------- issue 22: reading the source
# The page view is a dialog over the page (it opens where the reader is, nothing below jumps), as
# wide as the main column, the page image at full width with zoom buttons; the search results are
# cards on a phone (every column labelled), headers wrap instead of being cut; on a phone the
# filters and the conversation history sit in a collapsible panel at the top.
READING_CSS = """
#pageview { position: fixed !important; z-index: 1000; top: 2vh; left: 50%; transform: translateX(-50%);
  width: min(1100px, 96vw) !important; max-height: 96vh; overflow-y: auto; padding: 10px 12px;
  background: var(--background-fill-primary); border: 1px solid var(--border-color-primary); border-radius: 12px;
  box-shadow: 0 20px 60px rgba(0, 0, 0, 0.35); }
#pageview-img { height: auto !important; max-height: 80vh !important; overflow: auto !important; }
#pageview-img > div, #pageview-img .image-container, #pageview-img .image-frame,
#pageview-img button { height: auto !important; max-height: none !important; }
#pageview-img img { width: calc(100% * var(--cz-zoom, 1)) !important; max-width: none !important;
  height: auto !important; max-height: none !important; }
#pageview-img .image-frame, #pageview-img .image-container { overflow: auto !important; display: block !important; }
.cz-zoom { display: inline-flex; gap: 4px; margin-left: 8px; vertical-align: middle; }
.cz-zoom button { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 0 8px;
  background: var(--background-fill-secondary); font-weight: 700; cursor: pointer; }
#search-results th, #respondent-quotes th { white-space: normal !important; }
#search-results th *, #respondent-quotes th * { white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; }
#cz-mobile-panel { display: none; }
.cz-long-q summary { cursor: pointer; }
.cz-long-q .cz-more { color: var(--color-accent); font-weight: 600; white-space: nowrap; }
@media (max-width: 760px) {
  #cz-mobile-panel { display: block; }
  #cz-mobile-toggle { width: 100%; text-align: left; padding: 8px 10px; border-radius: 8px; font-weight: 600;
    border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); }
  #cz-filters { order: 0 !important; }
  #cz-filters:not(.cz-open) { display: none !important; }
  /* the results tables become cards: `card_css` below */
}
"""
# The tables' column names (app/ui uses them as the headers), shown above each cell when the rows
# are cards on a phone.
RESULT_HEADERS = ("Nr", "Citaat of passage", "Respondent", "Sectie", "Pagina", "Soort")
RESPONDENT_HEADERS = ("Nr", "Citaat", "Sectie", "Pagina")
CARD_CSS = """
  TABLE .table-wrap { width: auto !important; min-width: 0 !important; }
  TABLE thead, TABLE .header-table { display: none !important; }
  TABLE .virtual-row, TABLE tr { display: block !important; width: auto !important;
    height: auto !important; border: 1px solid var(--border-color-primary); border-radius: 10px;
    margin: 0 0 8px 0; padding: 6px 8px; }
  TABLE .body-cell, TABLE td { display: block !important; width: 100% !important;
    min-width: 0 !important; max-width: 100% !important; position: static !important; border: none !important;
    padding: 2px 0 !important; height: auto !important; }
  TABLE .body-cell::before, TABLE td::before { font-weight: 600; font-size: 0.72rem;
    color: var(--body-text-color-subdued); display: block; }
"""


def card_css(table: str, headers: tuple[str, ...]) -> str:
    """A results table (elem id `table`) as one card per row on a phone, each cell under its header."""
    labels = "".join(
        f'  {table} .body-cell:nth-child({i})::before {{ content: "{h}"; }}\n' for i, h in enumerate(headers, 1)
    )
    return "@media (max-width: 760px) {" + CARD_CSS.replace("TABLE", table) + labels + "}\n"


CSS = CSS + READING_CSS + card_css("#search-results", RESULT_HEADERS)
CSS = CSS + card_css("#respondent-quotes", RESPONDENT_HEADERS)

# Zoom buttons in the page view's caption (`.cz-zoom button[data-zoom]`), and on opening, the
# highlighted quote scrolled into view inside the dialog (`data-mark-y`: its height on the page, 0..1).
READING_HEAD = """
<script>
(function () {
  var zoom = 1;
  function box() { return document.querySelector("#pageview"); }
  function apply() { var b = box(); if (b) b.style.setProperty("--cz-zoom", String(zoom)); }
  document.addEventListener("click", function (e) {
    var btn = e.target && e.target.closest ? e.target.closest(".cz-zoom button[data-zoom]") : null;
    if (!btn) return;
    e.preventDefault();
    var how = btn.getAttribute("data-zoom");
    zoom = how === "in" ? Math.min(zoom * 1.25, 4) : how === "out" ? Math.max(zoom / 1.25, 0.5) : 1;
    apply();
  }, true);
  document.addEventListener("click", function (e) {
    var t = e.target && e.target.closest ? e.target.closest("#cz-mobile-toggle") : null;
    var panel = document.querySelector("#cz-filters");
    if (!t || !panel) return;
    var open = panel.classList.toggle("cz-open");
    t.setAttribute("aria-expanded", String(open));
    t.textContent = "Filters en eerdere gesprekken " + (open ? "▴" : "▾");
  }, true);
  function showMark() {
    var cap = document.querySelector("#pageview-caption[data-mark-y]");
    var img = document.querySelector("#pageview-img img");
    if (!cap || !img || cap.dataset.czDone === img.currentSrc + cap.textContent) return;
    if (!img.complete || !img.naturalHeight) { img.addEventListener("load", showMark, { once: true }); return; }
    cap.dataset.czDone = img.currentSrc + cap.textContent;
    zoom = 1; apply();
    var y = parseFloat(cap.getAttribute("data-mark-y") || "0");
    // the element that scrolls the image (Gradio's image frame, or the dialog itself)
    for (var el = img.parentElement; el; el = el.parentElement) {
      if (el.scrollHeight > el.clientHeight + 4 && getComputedStyle(el).overflowY !== "visible") {
        var top = img.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop;
        el.scrollTop = Math.max(0, top + y * img.clientHeight - el.clientHeight / 3);
        break;
      }
      if (el.id === "pageview") break;
    }
  }
  new MutationObserver(showMark).observe(document.documentElement, { subtree: true, childList: true,
    attributes: true, attributeFilter: ["src", "data-mark-y"] });
})();
</script>
"""
HEAD = HEAD + READING_HEAD
