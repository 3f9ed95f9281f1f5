// Number formatting shared by the terminal table, CSV and HTML report.

export function pct(v: number | null | undefined, digits = 1): string {
  return v == null ? "–" : `${(v * 100).toFixed(digits)}`;
}

export function num(v: number | null | undefined, digits = 0): string {
  if (v == null) return "–";
  return digits === 0 ? Math.round(v).toLocaleString("en-US") : v.toFixed(digits);
}

/** Seconds with sensible precision across 1 ms … hours. */
export function secs(v: number | null | undefined): string {
  if (v == null) return "–";
  if (v === 0) return "0";
  if (Math.abs(v) < 0.1) return v.toFixed(3);
  if (Math.abs(v) < 10) return v.toFixed(2);
  if (Math.abs(v) < 1000) return v.toFixed(1);
  return Math.round(v).toLocaleString("en-US");
}
