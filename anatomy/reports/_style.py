"""The inline stylesheet of ``index.html`` (no web fonts, no imports: the page opens offline)."""

CSS = """
:root { --ink: #1d232b; --muted: #5f6b78; --line: #d9dee5; --bg: #f6f7f9; --card: #ffffff;
        --accent: #2f5d8f; --warn: #8a5a00; --warn-bg: #fff6e0; --bad: #a12a1a; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); background: var(--bg); }
header.top { background: #1f3552; color: #fff; padding: 18px 32px 12px; }
header.top h1 { margin: 0 0 4px; font-size: 24px; }
header.top p { margin: 0; color: #c8d4e3; }
nav { display: flex; flex-wrap: wrap; gap: 6px 16px; margin-top: 10px; }
nav a { color: #dfe8f3; text-decoration: none; font-size: 14px; }
nav a:hover { text-decoration: underline; }
main { max-width: 1320px; margin: 0 auto; padding: 8px 24px 48px; }
section { margin-top: 28px; }
h2 { font-size: 20px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 17px; margin: 0 0 4px; }
h4 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 14px 0 4px; }
a { color: var(--accent); }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #f3f5f8; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow-x: auto;
      margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; font-size: 14px; }
th { background: #eef1f5; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 16px;
        min-width: 120px; }
.tile b { display: block; font-size: 24px; color: var(--accent); }
.tile span { font-size: 13px; color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px;
        margin: 14px 0; }
.card .subtitle { color: var(--muted); margin: 0 0 6px; }
.meta { font-size: 14px; color: var(--muted); margin: 2px 0; }
.pill { display: inline-block; border: 1px solid var(--line); border-radius: 10px; padding: 0 8px; font-size: 12px;
        background: #f3f5f8; margin-right: 4px; }
.two { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 18px; }
.diagram { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; padding: 4px;
           margin-top: 6px; }
.diagram svg, .lattice svg { display: block; max-width: none; }
.lattice { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 12px; margin: 6px 0 0; }
dl.facts dt { color: var(--muted); font-size: 13px; white-space: nowrap; }
dl.facts dd { margin: 0; font-size: 14px; overflow-wrap: anywhere; }
dl.facts dt.sub { padding-left: 14px; }
.sym { font-size: 20px; padding: 0 6px; color: var(--accent); }
.rel { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; border-radius: 4px; padding: 1px 6px;
       margin-left: 6px; vertical-align: middle; background: #eef1f5; color: var(--muted); }
.rel-equivalent .rel, .rel-reparam-equivalent .rel { background: #e3f3e3; color: #22632a; }
.rel-specializes .rel, .rel-generalizes .rel { background: #e5eef9; color: #244f80; }
.rel-distinct .rel { background: #f8e4e1; color: var(--bad); }
.rel-unknown .rel { background: #f1f1f1; color: #555; }
.notice { background: var(--warn-bg); border: 1px solid #e8cf91; color: var(--warn); border-radius: 6px;
          padding: 8px 12px; }
.approx { border-left: 4px solid #d9a520; }
.render-error { background: #fde8e5; border: 1px solid #e3a69c; color: var(--bad); border-radius: 6px;
                padding: 6px 10px; }
ol.steps > li { margin-bottom: 10px; }
.nowrap { white-space: nowrap; }
.legend { font-size: 13px; color: var(--muted); }
.legend span { margin-right: 14px; }
.swatch { display: inline-block; width: 14px; height: 10px; border: 1px solid #888; vertical-align: middle;
          margin-right: 4px; border-radius: 2px; }
@media (max-width: 900px) { .two { grid-template-columns: 1fr; } }
"""
"""The page's stylesheet; kept in one place so the HTML renderer stays about structure."""

__all__ = ["CSS"]
