/// <reference lib="dom" />
/**
 * The report page's script. It runs in the browser, not in Node: the HTML
 * report inlines `(${reportPage.toString()})()`, so this function must not
 * refer to anything outside itself (no imports, no module-level values).
 * It reads the JSON embedded in #dmasim-data and draws the memory maps,
 * timelines and fragmentation charts on canvases, and wires the clicks.
 */
export function reportPage(): void {
  interface Buffer {
    id: number;
    device: string;
    routine: string;
    va: number;
    logical: number;
    length: number;
    pages: number;
    runs: [number, number][];
    cache: string;
    deviceMemory: boolean;
    allocatedAt: number | null;
    freedAt: number | null;
    findings: number[];
  }
  interface NodeMap {
    node: number;
    startPfn: number;
    endPfn: number;
    cellPages: number;
    cellCount: number;
    cells: string;
  }
  interface Timeline {
    start: number;
    end: number;
    binCount: number;
    devices: string[];
    readBytes: number[][];
    writeBytes: number[][];
    interrupts: number[][];
    markers: { kind: string; time: number; device: string; a: number; b: number; length: number }[];
  }
  interface FragSeries {
    title: string;
    lines: { label: string; points: [number, number][] }[];
  }
  interface Run {
    id: string;
    memory: { nodes: NodeMap[] } | null;
    buffers: Buffer[];
    timeline: Timeline | null;
    fragmentation: FragSeries[] | null;
    findings: { code: string; message: string; count: number; buffers: number[] }[];
  }

  const dataEl = document.getElementById("dmasim-data");
  if (dataEl === null) return;
  const data = JSON.parse(dataEl.textContent ?? "{}") as { runs: Run[] };

  // Colours of the page states (MAP_KINDS order) and of buffer owners.
  const KIND_RGB: [number, number, number][] = [
    [226, 232, 240], // free
    [134, 188, 134], // movable
    [196, 142, 92], // unmovable (pool)
    [120, 144, 220], // contiguous (driver)
    [90, 90, 100], // reserved
    [150, 110, 170], // acpi
    [60, 60, 70], // mmio
    [30, 30, 34], // hole
  ];
  // Dark, saturated owner colours: each has at least 3:1 contrast with the free-page colour, the map's usual background.
  const OWNER = ["#d62728", "#08519c", "#6a3d9a", "#006d2c", "#c51b7d", "#8c2d04", "#01665e", "#b34700", "#4d4d4d", "#7f0000"];
  // A stable colour per owner name (the same device gets the same colour in every run).
  function colorOf(device: string): string {
    let h = 0;
    for (let i = 0; i < device.length; i++) h = (h * 31 + device.charCodeAt(i)) >>> 0;
    return OWNER[h % OWNER.length] as string;
  }

  function hex(n: number, digits = 12): string {
    return "0x" + n.toString(16).toUpperCase().padStart(digits, "0");
  }
  function vaText(va: number): string {
    const canonical = va >= 0x8000_0000_0000 ? "FFFF" + va.toString(16).toUpperCase().padStart(12, "0") : va.toString(16).toUpperCase().padStart(16, "0");
    return "0x" + canonical.slice(0, 8) + "`" + canonical.slice(8);
  }
  function size(bytes: number): string {
    const units: [number, string][] = [
      [2 ** 40, "TiB"],
      [2 ** 30, "GiB"],
      [2 ** 20, "MiB"],
      [2 ** 10, "KiB"],
    ];
    for (const [u, name] of units) if (bytes >= u) return (bytes / u).toFixed(bytes % u === 0 ? 0 : 2) + " " + name;
    return String(bytes) + " B";
  }
  function time(ns: number): string {
    if (ns >= 1e9) return (ns / 1e9).toFixed(3) + " s";
    if (ns >= 1e6) return (ns / 1e6).toFixed(3) + " ms";
    if (ns >= 1e3) return (ns / 1e3).toFixed(1) + " µs";
    return String(Math.round(ns)) + " ns";
  }
  function decode(b64: string): Uint8Array {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  interface MapView {
    run: Run;
    map: NodeMap;
    cells: Uint8Array;
    canvas: HTMLCanvasElement;
    label: HTMLElement;
    v0: number;
    v1: number;
    selected: number | null;
  }
  const views: MapView[] = [];

  function drawMap(v: MapView): void {
    const ctx = v.canvas.getContext("2d");
    if (ctx === null) return;
    const W = v.canvas.width;
    const H = v.canvas.height;
    const P = W * H;
    const ppp = (v.v1 - v.v0) / P;
    const img = ctx.createImageData(W, H);
    const px = img.data;
    const m = v.map;
    const cells = v.cells;
    for (let i = 0; i < P; i++) {
      const p0 = v.v0 + i * ppp;
      const p1 = p0 + ppp;
      const o = i * 4;
      if (p0 >= m.endPfn || p1 <= m.startPfn) {
        px[o] = 255;
        px[o + 1] = 255;
        px[o + 2] = 255;
        px[o + 3] = 255;
        continue;
      }
      let c0 = Math.floor((p0 - m.startPfn) / m.cellPages);
      let c1 = Math.floor((Math.max(p0, p1 - 1) - m.startPfn) / m.cellPages);
      if (c0 < 0) c0 = 0;
      if (c1 >= m.cellCount) c1 = m.cellCount - 1;
      if (c1 - c0 > 7) c1 = c0 + 7;
      let r = 0;
      let g = 0;
      let b = 0;
      let w = 0;
      for (let c = c0; c <= c1; c++) {
        for (let k = 0; k < 8; k++) {
          const s = cells[c * 8 + k] as number;
          if (s === 0) continue;
          const rgb = KIND_RGB[k] as [number, number, number];
          r += rgb[0] * s;
          g += rgb[1] * s;
          b += rgb[2] * s;
          w += s;
        }
      }
      if (w === 0) w = 1;
      px[o] = r / w;
      px[o + 1] = g / w;
      px[o + 2] = b / w;
      px[o + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    // Buffers on top: exact page runs; a run narrower than MARKER px gets a MARKER-sized box (white-edged, so it
    // stands out on any page colour) so that a 4 KiB buffer stays visible and clickable at any zoom.
    const MARKER = 7;
    for (const buf of v.run.buffers) {
      for (const [pfn, n] of buf.runs) {
        if (pfn + n <= v.v0 || pfn >= v.v1 || pfn < m.startPfn || pfn >= m.endPfn) continue;
        const a = Math.max(0, Math.floor((pfn - v.v0) / ppp));
        const z = Math.min(P, Math.ceil((pfn + n - v.v0) / ppp));
        ctx.fillStyle = colorOf(buf.device);
        ctx.strokeStyle = colorOf(buf.device);
        if (z - a < MARKER) {
          const x = Math.min(W - MARKER, Math.max(0, (a % W) - 3));
          const y = Math.min(H - MARKER, Math.max(0, Math.floor(a / W) - 3));
          ctx.fillStyle = "#fff";
          ctx.fillRect(x - 1, y - 1, MARKER + 2, MARKER + 2);
          ctx.fillStyle = colorOf(buf.device);
          if (buf.freedAt === null) ctx.fillRect(x, y, MARKER, MARKER);
          else {
            ctx.lineWidth = 2;
            ctx.strokeRect(x + 1, y + 1, MARKER - 2, MARKER - 2);
            ctx.lineWidth = 1;
          }
        } else {
          for (let q = a; q < z; ) {
            const x = q % W;
            const y = Math.floor(q / W);
            const len = Math.min(z - q, W - x);
            if (buf.freedAt === null) ctx.fillRect(x, y, len, 1);
            else if ((q & 1) === 0) ctx.fillRect(x, y, len, 1);
            q += len;
          }
        }
        if (v.selected === buf.id) {
          const x = a % W;
          const y = Math.floor(a / W);
          ctx.strokeStyle = "#000";
          ctx.lineWidth = 2;
          ctx.strokeRect(x - 6, y - 6, 13, 13);
          ctx.lineWidth = 1;
        }
      }
    }
    const bytesPerPx = ppp * 4096;
    v.label.textContent = `${hex(v.v0 * 4096)} – ${hex(v.v1 * 4096)} · 1 px = ${size(Math.max(1, Math.round(bytesPerPx)))} · ${size((v.v1 - v.v0) * 4096)} shown`;
  }

  function zoom(v: MapView, factor: number, anchorPfn: number): void {
    const full = v.map.endPfn - v.map.startPfn;
    const P = v.canvas.width * v.canvas.height;
    let span = (v.v1 - v.v0) * factor;
    span = Math.max(Math.min(P / 8, full), Math.min(full, span));
    const frac = (anchorPfn - v.v0) / (v.v1 - v.v0);
    let s = anchorPfn - frac * span;
    s = Math.max(v.map.startPfn, Math.min(v.map.endPfn - span, s));
    v.v0 = s;
    v.v1 = s + span;
    drawMap(v);
  }

  function pfnAt(v: MapView, ev: MouseEvent): number {
    const rect = v.canvas.getBoundingClientRect();
    const x = Math.floor(((ev.clientX - rect.left) / rect.width) * v.canvas.width);
    const y = Math.floor(((ev.clientY - rect.top) / rect.height) * v.canvas.height);
    const i = y * v.canvas.width + x;
    return v.v0 + (i * (v.v1 - v.v0)) / (v.canvas.width * v.canvas.height);
  }

  function bufferNear(v: MapView, pfn: number): Buffer | undefined {
    const P = v.canvas.width * v.canvas.height;
    const slack = Math.max(1, ((v.v1 - v.v0) / P) * 3 * v.canvas.width);
    let best: Buffer | undefined;
    let bestD = Infinity;
    for (const b of v.run.buffers) {
      for (const [p, n] of b.runs) {
        const d = pfn < p ? p - pfn : pfn >= p + n ? pfn - (p + n - 1) : 0;
        if (d < bestD && d <= slack) {
          bestD = d;
          best = b;
        }
      }
    }
    return best;
  }

  /** Zoom every map of the run that holds the buffer onto its first run of pages (the closest zoom: one pixel per page at most). */
  function focusBuffer(run: Run, buf: Buffer, scroll: boolean): void {
    const first = buf.runs[0];
    if (first === undefined) return;
    for (const v of views) {
      if (v.run !== run || first[0] < v.map.startPfn || first[0] >= v.map.endPfn) continue;
      const span = Math.min(v.map.endPfn - v.map.startPfn, Math.max((v.canvas.width * v.canvas.height) / 8, first[1] * 64));
      const start = Math.max(v.map.startPfn, Math.min(v.map.endPfn - span, first[0] + first[1] / 2 - span / 2));
      v.v0 = start;
      v.v1 = start + span;
      drawMap(v);
      if (scroll) v.canvas.scrollIntoView({ block: "center" });
    }
  }

  function selectBuffer(runId: string, id: number, zoomTo = true): void {
    const run = data.runs.find((r) => r.id === runId);
    const buf = run?.buffers.find((b) => b.id === id);
    if (run === undefined || buf === undefined) return;
    const panel = document.querySelector<HTMLElement>(`#${runId} .buffer-details`);
    if (panel !== null) {
      const phys = buf.runs.length === 0 ? "unknown" : buf.runs.map(([p, n]) => `${hex(p * 4096)}–${hex((p + n) * 4096 - 1)} (${n} page${n === 1 ? "" : "s"})`).join(", ");
      const rows: [string, string][] = [
        ["Buffer", `#${buf.id} of ${buf.device}${buf.routine === "" ? "" : ` (${buf.routine})`}`],
        ["Virtual address", vaText(buf.va)],
        ["Logical address", buf.logical < 0 ? "unknown" : hex(buf.logical)],
        ["Physical address", phys],
        ["Length", `${buf.length} bytes (${buf.pages} page${buf.pages === 1 ? "" : "s"}, ${buf.pages * 4096 - buf.length} bytes of tail)`],
        ["Cache attribute", (buf.cache || "unknown") + (buf.deviceMemory ? " (ARM64 Device memory)" : "")],
        ["Lifetime", `${buf.allocatedAt === null ? "?" : time(buf.allocatedAt)} – ${buf.freedAt === null ? "live" : time(buf.freedAt)}`],
        ["Findings", buf.findings.length === 0 ? "none" : buf.findings.map((f) => { const x = run.findings[f]; return x === undefined ? "?" : x.count > 1 ? `${x.code} ×${x.count}` : x.code; }).join(", ")],
      ];
      panel.replaceChildren();
      const dl = document.createElement("dl");
      for (const [k, val] of rows) {
        const dt = document.createElement("dt");
        dt.textContent = k;
        const dd = document.createElement("dd");
        dd.textContent = val;
        dl.append(dt, dd);
      }
      panel.append(dl);
      const first = buf.runs[0];
      if (first !== undefined) {
        const show = document.createElement("button");
        show.type = "button";
        show.className = "show-on-map";
        show.textContent = "Show on the map";
        show.addEventListener("click", () => focusBuffer(run, buf, true));
        panel.append(show);
      }
      panel.hidden = false;
    }
    for (const row of document.querySelectorAll<HTMLElement>(`#${runId} [data-buffer]`)) row.classList.toggle("selected", row.dataset["buffer"] === String(id));
    for (const v of views) {
      if (v.run !== run) continue;
      v.selected = id;
      drawMap(v);
    }
    if (zoomTo) focusBuffer(run, buf, false);
  }

  function setupMaps(run: Run): void {
    const holder = document.querySelector<HTMLElement>(`#${run.id} .maps`);
    if (holder === null || run.memory === null) return;
    for (const m of run.memory.nodes) {
      const box = document.createElement("div");
      box.className = "node";
      const head = document.createElement("div");
      head.className = "node-head";
      const title = document.createElement("strong");
      title.textContent = `Node ${m.node}`;
      const label = document.createElement("span");
      label.className = "range";
      const mkBtn = (text: string, name: string): HTMLButtonElement => {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = text;
        b.title = name;
        b.setAttribute("aria-label", name);
        return b;
      };
      const zin = mkBtn("+", "zoom in");
      const zout = mkBtn("−", "zoom out");
      const reset = mkBtn("reset", "show the whole node");
      head.append(title, " ", zout, zin, reset, " ", label);
      const canvas = document.createElement("canvas");
      canvas.className = "map";
      canvas.width = 1024;
      canvas.height = 160;
      canvas.dataset["node"] = String(m.node);
      const tip = document.createElement("div");
      tip.className = "maptip";
      box.append(head, canvas, tip);
      holder.append(box);
      const v: MapView = { run, map: m, cells: decode(m.cells), canvas, label, v0: m.startPfn, v1: m.endPfn, selected: null };
      views.push(v);
      drawMap(v);
      // +/- zoom on the selected buffer when it is in view (else on the centre), so zooming in never lands in empty memory.
      const center = (): number => {
        const sel = v.selected === null ? undefined : run.buffers.find((b) => b.id === v.selected)?.runs[0];
        if (sel !== undefined && sel[0] >= v.v0 && sel[0] < v.v1) return sel[0] + sel[1] / 2;
        return (v.v0 + v.v1) / 2;
      };
      zin.addEventListener("click", () => zoom(v, 1 / 2, center()));
      zout.addEventListener("click", () => zoom(v, 2, center()));
      reset.addEventListener("click", () => {
        v.v0 = m.startPfn;
        v.v1 = m.endPfn;
        drawMap(v);
      });
      canvas.addEventListener(
        "wheel",
        (ev) => {
          ev.preventDefault();
          zoom(v, ev.deltaY < 0 ? 1 / 1.5 : 1.5, pfnAt(v, ev));
        },
        { passive: false },
      );
      let drag: { x: number; y: number; v0: number; moved: boolean } | null = null;
      canvas.addEventListener("mousedown", (ev) => {
        drag = { x: ev.clientX, y: ev.clientY, v0: v.v0, moved: false };
      });
      window.addEventListener("mouseup", () => {
        setTimeout(() => (drag = null), 0);
      });
      canvas.addEventListener("mousemove", (ev) => {
        const pfn = pfnAt(v, ev);
        if (drag !== null && (Math.abs(ev.clientY - drag.y) > 3 || Math.abs(ev.clientX - drag.x) > 3)) {
          drag.moved = true;
          const rect = canvas.getBoundingClientRect();
          const rowsMoved = ((ev.clientY - drag.y) / rect.height) * canvas.height;
          const span = v.v1 - v.v0;
          const perRow = span / canvas.height;
          let s = drag.v0 - rowsMoved * perRow;
          s = Math.max(m.startPfn, Math.min(m.endPfn - span, s));
          v.v0 = s;
          v.v1 = s + span;
          drawMap(v);
          return;
        }
        const c = Math.min(m.cellCount - 1, Math.max(0, Math.floor((pfn - m.startPfn) / m.cellPages)));
        const names = ["free", "movable", "pool/unmovable", "driver contiguous", "reserved", "ACPI", "MMIO", "hole"];
        const parts: string[] = [];
        for (let k = 0; k < 8; k++) {
          const s = v.cells[c * 8 + k] as number;
          if (s > 0) parts.push(`${names[k]} ${Math.round((s / 255) * 100)}%`);
        }
        const near = bufferNear(v, pfn);
        tip.textContent = `${hex(Math.floor(pfn) * 4096)}: ${parts.join(", ")}${near === undefined ? "" : ` · buffer #${near.id} (${near.device})`}`;
      });
      canvas.addEventListener("click", (ev) => {
        if (drag !== null && drag.moved) return;
        const b = bufferNear(v, pfnAt(v, ev));
        // A click on a marker selects the buffer; the map zooms onto it while it is smaller than a few rows.
        if (b !== undefined) selectBuffer(run.id, b.id, (b.runs[0]?.[1] ?? 0) < ((v.v1 - v.v0) / (canvas.width * canvas.height)) * canvas.width * 4);
      });
    }
  }

  function drawTimeline(run: Run): void {
    const canvas = document.querySelector<HTMLCanvasElement>(`#${run.id} canvas.timeline`);
    const t = run.timeline;
    if (canvas === null || t === null) return;
    const ctx = canvas.getContext("2d");
    if (ctx === null) return;
    const W = canvas.width;
    const H = canvas.height;
    const left = 60;
    const bottom = 24;
    const plotW = W - left - 10;
    const plotH = H - bottom - 20;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, W, H);
    let maxBytes = 1;
    for (let i = 0; i < t.binCount; i++) {
      let s = 0;
      for (let d = 0; d < t.devices.length; d++) s += (t.readBytes[d]?.[i] ?? 0) + (t.writeBytes[d]?.[i] ?? 0);
      if (s > maxBytes) maxBytes = s;
    }
    const bw = plotW / t.binCount;
    for (let i = 0; i < t.binCount; i++) {
      let y = 10 + plotH;
      for (let d = 0; d < t.devices.length; d++) {
        const dev = t.devices[d] as string;
        for (const [arr, alpha] of [
          [t.writeBytes, 1],
          [t.readBytes, 0.5],
        ] as const) {
          const v = arr[d]?.[i] ?? 0;
          if (v === 0) continue;
          const h = (v / maxBytes) * plotH;
          ctx.globalAlpha = alpha;
          ctx.fillStyle = colorOf(dev);
          ctx.fillRect(left + i * bw, y - h, Math.max(1, bw - 0.5), h);
          y -= h;
        }
        const irq = t.interrupts[d]?.[i] ?? 0;
        if (irq > 0) {
          ctx.globalAlpha = 1;
          ctx.fillStyle = "#222";
          ctx.fillRect(left + i * bw, 10 + plotH + 2, Math.max(1, bw - 0.5), 5);
        }
      }
    }
    ctx.globalAlpha = 1;
    const span = Math.max(1, t.end - t.start);
    for (const mk of t.markers) {
      const x = left + ((mk.time - t.start) / span) * plotW;
      ctx.fillStyle = mk.kind === "allocate" ? "#2a9d4b" : mk.kind === "free" ? "#888" : "#d00";
      ctx.beginPath();
      ctx.moveTo(x, 10);
      ctx.lineTo(x - 4, 2);
      ctx.lineTo(x + 4, 2);
      ctx.fill();
    }
    ctx.fillStyle = "#333";
    ctx.font = "11px sans-serif";
    ctx.fillText(size(maxBytes), 2, 16);
    ctx.fillText("0", 2, 10 + plotH);
    ctx.fillText(time(t.start), left, H - 6);
    const endText = time(t.end);
    ctx.fillText(endText, W - 10 - ctx.measureText(endText).width, H - 6);
    ctx.strokeStyle = "#999";
    ctx.strokeRect(left, 10, plotW, plotH);
    // Hover: the time slice under the pointer, with bytes and interrupts per device.
    const tip = document.createElement("div");
    tip.className = "maptip timeline-tip";
    canvas.after(tip);
    canvas.addEventListener("mousemove", (ev) => {
      const rect = canvas.getBoundingClientRect();
      const x = ((ev.clientX - rect.left) / rect.width) * W;
      const bin = Math.floor(((x - left) / plotW) * t.binCount);
      if (bin < 0 || bin >= t.binCount) {
        tip.textContent = "";
        return;
      }
      const t0 = t.start + (bin / t.binCount) * span;
      const parts: string[] = [];
      t.devices.forEach((dev, d) => {
        const w = t.writeBytes[d]?.[bin] ?? 0;
        const r = t.readBytes[d]?.[bin] ?? 0;
        const n = t.interrupts[d]?.[bin] ?? 0;
        if (w + r + n > 0) parts.push(`${dev}: ${w > 0 ? `wrote ${size(w)} ` : ""}${r > 0 ? `read ${size(r)} ` : ""}${n > 0 ? `${n} interrupt${n === 1 ? "" : "s"}` : ""}`.trim());
      });
      tip.textContent = `${time(t0)} – ${time(t0 + span / t.binCount)}: ${parts.length === 0 ? "idle" : parts.join("; ")}`;
    });
  }

  function drawFragmentation(run: Run): void {
    if (run.fragmentation === null) return;
    const canvases = document.querySelectorAll<HTMLCanvasElement>(`#${run.id} canvas.frag`);
    run.fragmentation.forEach((series, idx) => {
      const canvas = canvases[idx];
      if (canvas === undefined) return;
      const ctx = canvas.getContext("2d");
      if (ctx === null) return;
      const W = canvas.width;
      const H = canvas.height;
      const left = 40;
      const top = 22;
      const plotW = W - left - 12;
      const plotH = H - top - 34;
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, W, H);
      ctx.fillStyle = "#222";
      ctx.font = "bold 12px sans-serif";
      ctx.fillText(series.title, left, 14);
      ctx.font = "10px sans-serif";
      let xmin = Infinity;
      let xmax = -Infinity;
      for (const l of series.lines)
        for (const [x] of l.points) {
          xmin = Math.min(xmin, Math.log2(x));
          xmax = Math.max(xmax, Math.log2(x));
        }
      if (!Number.isFinite(xmin)) return;
      const xs = (x: number): number => left + (xmax === xmin ? plotW / 2 : ((Math.log2(x) - xmin) / (xmax - xmin)) * plotW);
      const ys = (y: number): number => top + (1 - y) * plotH;
      ctx.strokeStyle = "#ddd";
      for (const y of [0, 0.25, 0.5, 0.75, 1]) {
        ctx.beginPath();
        ctx.moveTo(left, ys(y));
        ctx.lineTo(left + plotW, ys(y));
        ctx.stroke();
        ctx.fillStyle = "#555";
        ctx.fillText(`${y * 100}%`, 4, ys(y) + 3);
      }
      const first = series.lines[0];
      if (first !== undefined)
        for (const [x] of first.points) {
          ctx.fillStyle = "#555";
          const text = size(x).replace(".00", "");
          ctx.fillText(text, xs(x) - ctx.measureText(text).width / 2, top + plotH + 14);
        }
      const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
      series.lines.forEach((l, li) => {
        const c = palette[li % palette.length] as string;
        ctx.strokeStyle = c;
        ctx.fillStyle = c;
        ctx.lineWidth = 2;
        // Lines that coincide (100% everywhere) are drawn a little apart so each stays visible.
        const dy = (li - (series.lines.length - 1) / 2) * 2;
        ctx.beginPath();
        l.points.forEach(([x, y], pi) => (pi === 0 ? ctx.moveTo(xs(x), ys(y) + dy) : ctx.lineTo(xs(x), ys(y) + dy)));
        ctx.stroke();
        for (const [x, y] of l.points) ctx.fillRect(xs(x) - 2, ys(y) + dy - 2, 4, 4);
        ctx.fillText(l.label, left + 6 + li * Math.floor(plotW / Math.max(1, series.lines.length)), H - 4);
      });
      ctx.lineWidth = 1;
    });
  }

  for (const sw of document.querySelectorAll<HTMLElement>(".swatch[data-owner]")) sw.style.background = colorOf(sw.dataset["owner"] ?? "");
  for (const run of data.runs) {
    setupMaps(run);
    drawTimeline(run);
    drawFragmentation(run);
    for (const el of document.querySelectorAll<HTMLElement>(`#${run.id} [data-buffer]`)) {
      el.addEventListener("click", (ev) => {
        ev.preventDefault();
        selectBuffer(run.id, Number(el.dataset["buffer"]));
      });
    }
  }
  document.body.dataset["ready"] = "true";
}
