// Colour-blind-safe colours (Okabe & Ito, "Color Universal Design", 2008), with a second cue
// (dash pattern or shape) wherever a colour carries meaning.
import { FRAME_CLASSES } from "../classify";

export const FRAME_COLOURS: Record<(typeof FRAME_CLASSES)[number], string> = {
  DATA: "#0072B2",
  ACK: "#009E73",
  OGM: "#E69F00",
  BCAST: "#56B4E9",
  FLOOD: "#D55E00",
  OTHER: "#7a7a7a",
};
/** Dash pattern per frame class (solid for directed traffic, dashed for floods, dotted for broadcast relays). */
export const FRAME_DASH: Record<(typeof FRAME_CLASSES)[number], number[]> = {
  DATA: [],
  ACK: [],
  OGM: [2, 3],
  BCAST: [1, 3],
  FLOOD: [6, 3],
  OTHER: [2, 2],
};
export const COLLISION_COLOUR = "#CC79A7";
/** One colour per compared panel (charts). */
export const PANEL_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00"];
export const frameColour = (cls: number) => FRAME_COLOURS[FRAME_CLASSES[cls] ?? "OTHER"];
export const frameDash = (cls: number) => FRAME_DASH[FRAME_CLASSES[cls] ?? "OTHER"];
