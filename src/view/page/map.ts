// Draws one panel's map on a canvas: geohash cells, links by quality, nodes by role, frames as
// rings that grow over their airtime and fade after, collisions as crosses, a traced message's path.
import type { Topology, Trace } from "../session";
import { COLLISION_COLOUR, frameColour, frameDash } from "./palette";

export interface Flight {
  readonly node: number;
  readonly cls: number;
  readonly start: number;
  readonly end: number;
}

export interface MapState {
  readonly topo: Topology;
  readonly alive: readonly number[];
  readonly t: number;
  /** How long a finished frame stays visible, simulated ms. */
  readonly persistMs: number;
  readonly flights: readonly Flight[];
  readonly collisions: readonly { node: number; at: number }[];
  readonly selected: number;
  readonly from: number;
  readonly to: number;
  readonly trace: Trace | undefined;
  /** Whether the router sends one copy per hop (its traced senders form a path). */
  readonly directed: boolean;
}

export class MapView {
  readonly canvas: HTMLCanvasElement;
  #base: HTMLCanvasElement | undefined;
  #baseKey = "";
  #scale = 1;
  #ox = 0;
  #oy = 0;

  constructor(canvas: HTMLCanvasElement) {
    this.canvas = canvas;
  }

  /** Screen (CSS px) of a node or point in metres. */
  toScreen(x: number, y: number): [number, number] {
    return [this.#ox + x * this.#scale, this.#oy - y * this.#scale];
  }

  toMetres(sx: number, sy: number): [number, number] {
    return [(sx - this.#ox) / this.#scale, (this.#oy - sy) / this.#scale];
  }

  /** The node under a CSS-pixel point, or −1. */
  hit(topo: Topology, sx: number, sy: number, radiusPx = 9): number {
    let best = -1;
    let bestD = radiusPx;
    for (let i = 0; i < topo.n; i++) {
      const [x, y] = this.toScreen(topo.x[i], topo.y[i]);
      const d = Math.hypot(x - sx, y - sy);
      if (d <= bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  #fit(topo: Topology, w: number, h: number): void {
    const pad = 14;
    this.#scale = Math.min((w - 2 * pad) / topo.widthM, (h - 2 * pad) / topo.heightM);
    this.#ox = (w - topo.widthM * this.#scale) / 2;
    this.#oy = h - (h - topo.heightM * this.#scale) / 2;
  }

  /** Cells, links, nodes and the scale bar: drawn once per topology, liveness and size, then copied. */
  #drawBase(s: MapState, w: number, h: number, dpr: number): HTMLCanvasElement {
    let where = 0;
    for (let i = 0; i < s.topo.n; i++) where = (where * 31 + s.topo.x[i] * 7 + s.topo.y[i]) % 1e9;
    const key = `${w}x${h}@${dpr}:${s.topo.n}:${where}:${s.topo.role.join("")}:${s.alive.join("")}`;
    if (this.#base && this.#baseKey === key) return this.#base;
    const c = this.#base ?? document.createElement("canvas");
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
    const g = c.getContext("2d") as CanvasRenderingContext2D;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = "#ffffff";
    g.fillRect(0, 0, w, h);
    const topo = s.topo;
    // Geohash cells with their names.
    g.lineWidth = 1;
    g.font = "10px system-ui, sans-serif";
    topo.cells.forEach((cell, k) => {
      const [x0, y1] = this.toScreen(cell.x0, cell.y0);
      const [x1, y0] = this.toScreen(cell.x1, cell.y1);
      g.fillStyle = k % 2 === 0 ? "#f4f4f4" : "#ebebeb";
      g.fillRect(x0, y0, x1 - x0, y1 - y0);
      g.strokeStyle = "#c8c8c8";
      g.strokeRect(x0, y0, x1 - x0, y1 - y0);
      g.fillStyle = "#6b6b6b";
      g.fillText(cell.hash, Math.max(x0, 2) + 3, Math.max(y0, 0) + 11);
    });
    // Links by margin above sensitivity: darker and thicker = better.
    for (const [a, b, m] of topo.links) {
      if (!s.alive[a] || !s.alive[b]) continue;
      const q = Math.min(1, m / 20);
      g.strokeStyle = `rgba(40,40,40,${0.06 + 0.3 * q})`;
      g.lineWidth = 0.5 + 1.2 * q;
      const [xa, ya] = this.toScreen(topo.x[a], topo.y[a]);
      const [xb, yb] = this.toScreen(topo.x[b], topo.y[b]);
      g.beginPath();
      g.moveTo(xa, ya);
      g.lineTo(xb, yb);
      g.stroke();
    }
    // Nodes: circles (CLIENT), squares (ROUTER), smaller for CLIENT_MUTE; border nodes ringed.
    for (let i = 0; i < topo.n; i++) {
      const [x, y] = this.toScreen(topo.x[i], topo.y[i]);
      if (!s.alive[i]) {
        g.strokeStyle = "#555";
        g.lineWidth = 1.5;
        cross(g, x, y, 4);
        continue;
      }
      g.fillStyle = "#1f1f1f";
      const role = topo.role[i];
      if (role === "ROUTER") g.fillRect(x - 4, y - 4, 8, 8);
      else {
        g.beginPath();
        g.arc(x, y, role === "CLIENT_MUTE" ? 2 : 3, 0, 2 * Math.PI);
        g.fill();
      }
      if (topo.border[i]) {
        g.strokeStyle = "#1f1f1f";
        g.lineWidth = 1;
        g.beginPath();
        g.arc(x, y, 6, 0, 2 * Math.PI);
        g.stroke();
      }
    }
    // Scale bar.
    const metres = niceLength(topo.widthM / 5);
    const px = metres * this.#scale;
    g.strokeStyle = "#222";
    g.lineWidth = 2;
    g.beginPath();
    g.moveTo(10, h - 10);
    g.lineTo(10 + px, h - 10);
    g.stroke();
    g.fillStyle = "#222";
    g.fillText(metres >= 1000 ? `${metres / 1000} km` : `${metres} m`, 12, h - 14);
    this.#base = c;
    this.#baseKey = key;
    return c;
  }

  draw(s: MapState): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (w === 0 || h === 0) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    this.#fit(s.topo, w, h);
    const g = c.getContext("2d") as CanvasRenderingContext2D;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.drawImage(this.#drawBase(s, w, h, dpr), 0, 0);
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const topo = s.topo;
    // Frames in flight (growing) and just finished (fading).
    for (const f of s.flights) {
      const reach = Math.max(topo.reachM[f.node], topo.widthM / 60) * this.#scale;
      let r: number;
      let alpha: number;
      if (s.t < f.end) {
        r = reach * Math.max(0.05, (s.t - f.start) / (f.end - f.start));
        alpha = 0.85;
      } else {
        const age = (s.t - f.end) / s.persistMs;
        if (age >= 1) continue;
        r = reach;
        alpha = 0.6 * (1 - age);
      }
      const [x, y] = this.toScreen(topo.x[f.node], topo.y[f.node]);
      g.globalAlpha = alpha;
      g.strokeStyle = frameColour(f.cls);
      g.lineWidth = 2;
      g.setLineDash(frameDash(f.cls));
      g.beginPath();
      g.arc(x, y, r, 0, 2 * Math.PI);
      g.stroke();
      g.fillStyle = frameColour(f.cls);
      g.beginPath();
      g.arc(x, y, 5, 0, 2 * Math.PI);
      g.fill();
    }
    g.setLineDash([]);
    g.globalAlpha = 1;
    // The traced message: who put it on the air, numbered in order. For System 5 (directed
    // routing, one sender per hop) the senders are joined into the path it took.
    const tr = s.trace;
    if (tr && tr.path.length > 0) {
      if (s.directed) {
        g.strokeStyle = "#000";
        g.lineWidth = 3;
        g.beginPath();
        [...tr.path, ...(tr.delivered ? [tr.dst] : [])].forEach((n, k) => {
          const [x, y] = this.toScreen(topo.x[n], topo.y[n]);
          if (k === 0) g.moveTo(x, y);
          else g.lineTo(x, y);
        });
        g.stroke();
      }
      g.font = "bold 11px system-ui, sans-serif";
      tr.path.slice(0, 12).forEach((n, k) => {
        const [x, y] = this.toScreen(topo.x[n], topo.y[n]);
        g.strokeStyle = "#000";
        g.lineWidth = 2;
        g.beginPath();
        g.arc(x, y, 7, 0, 2 * Math.PI);
        g.stroke();
        g.fillStyle = "#000";
        g.fillText(String(k + 1), x - 12, y + 14);
      });
    }
    // Collisions where they happened (the receiver that lost its frame).
    g.strokeStyle = COLLISION_COLOUR;
    g.lineWidth = 2;
    for (const col of s.collisions) {
      const age = (s.t - col.at) / s.persistMs;
      if (age < 0 || age >= 1) continue;
      g.globalAlpha = 1 - age;
      const [x, y] = this.toScreen(topo.x[col.node], topo.y[col.node]);
      cross(g, x, y, 4);
    }
    g.globalAlpha = 1;
    // Selection and the message endpoints.
    const mark = (i: number, label: string, colour: string) => {
      if (i < 0 || i >= topo.n) return;
      const [x, y] = this.toScreen(topo.x[i], topo.y[i]);
      g.strokeStyle = colour;
      g.lineWidth = 2.5;
      g.beginPath();
      g.arc(x, y, 10, 0, 2 * Math.PI);
      g.stroke();
      if (label) {
        g.font = "bold 12px system-ui, sans-serif";
        g.fillStyle = colour;
        g.fillText(label, x + 11, y - 9);
      }
    };
    mark(s.from, "A", "#000");
    mark(s.to, "B", "#000");
    mark(s.selected, `${s.selected}`, "#0072B2");
  }
}

function cross(g: CanvasRenderingContext2D, x: number, y: number, r: number): void {
  g.beginPath();
  g.moveTo(x - r, y - r);
  g.lineTo(x + r, y + r);
  g.moveTo(x + r, y - r);
  g.lineTo(x - r, y + r);
  g.stroke();
}

function niceLength(m: number): number {
  const p = 10 ** Math.floor(Math.log10(m));
  for (const k of [5, 2, 1]) if (k * p <= m) return k * p;
  return p;
}
