/** The report page's stylesheet (inlined into the HTML). */
export const REPORT_CSS = `
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #f6f7f9; }
body { margin: 0; }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 16px; }
header h1 { margin: 18px 0 4px; font-size: 22px; }
nav.toc { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 6px 16px; margin: 10px 0; }
nav.toc h2 { margin: 6px 0; }
nav.toc > ol { padding-left: 18px; font-size: 13px; margin: 4px 0; }
nav.toc > ol > li { margin: 3px 0; }
nav.toc ol.sub { list-style: none; display: flex; flex-wrap: wrap; gap: 2px 12px; padding-left: 0; margin: 2px 0 4px; font-size: 12px; }
nav.toc a { color: #1d4ed8; text-decoration: none; } nav.toc a:hover { text-decoration: underline; }
section.run { background: #fff; border: 1px solid #dde1e8; border-radius: 6px; padding: 8px 16px 16px; margin: 14px 0; }
h2 { font-size: 16px; } h3 { font-size: 14px; margin: 18px 0 6px; } h4 { font-size: 13px; margin: 10px 0 4px; }
.muted { color: #5b6475; font-size: 13px; }
.badge { display: inline-block; font-size: 11px; padding: 1px 6px; border-radius: 9px; background: #f0b429; color: #000; }
.badge.pass { background: #2a9d4b; color: #fff; } .badge.warn { background: #f0b429; color: #000; } .badge.fail { background: #c62828; color: #fff; }
pre.summary { background: #f3f5f8; padding: 8px; font-size: 12px; white-space: pre-wrap; }
.stop { color: #b00020; font-family: ui-monospace, monospace; font-size: 13px; }
table { border-collapse: collapse; font-size: 12px; margin: 4px 0; }
th, td { border-bottom: 1px solid #e6e8ee; padding: 3px 8px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.addr { font-family: ui-monospace, monospace; }
table.buffers tbody tr { cursor: pointer; } table.buffers tbody tr:hover { background: #eef3ff; }
tr.selected { background: #dbe7ff !important; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 5px; border-radius: 2px; vertical-align: middle; }
.buffer-details { margin-top: 8px; padding: 8px 12px; background: #f3f6fc; border: 1px solid #cdd7ea; border-radius: 4px; }
.buffer-details dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; font-size: 13px; }
.buffer-details dt { color: #5b6475; } .buffer-details button { margin-top: 8px; } .buffer-details dd { margin: 0; font-family: ui-monospace, monospace; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; margin: 6px 0; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; border: 1px solid #ccc; }
.legend i.cb { background: linear-gradient(90deg, #e6194b, #4363d8); }
.node { margin: 8px 0 14px; }
.node-head { font-size: 13px; margin-bottom: 4px; } .node-head button { margin-left: 4px; font-size: 12px; }
.range { color: #5b6475; font-family: ui-monospace, monospace; font-size: 12px; margin-left: 8px; }
canvas { display: block; max-width: 100%; border: 1px solid #dde1e8; }
canvas.map { cursor: crosshair; image-rendering: pixelated; }
.maptip { font-family: ui-monospace, monospace; font-size: 12px; min-height: 16px; color: #39404d; }
.frags { display: flex; flex-wrap: wrap; gap: 10px; }
ol.findings { font-size: 13px; } ol.findings code { white-space: pre-wrap; }
footer { color: #7a8294; font-size: 12px; padding-bottom: 24px; }
`;
