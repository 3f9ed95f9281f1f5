// The discrete-event run: one scenario, one router, one seed. Owns the clock, the radio medium
// (per-transmission reception with capture and half-duplex, CAD), traffic, mobility, failures,
// degradation and the measurements; drives every node's Station through the core's contract.
//
// Reception rule (docs/simulator.md §Capture), profile "strict" (the default): a receiver that
// is idle (not transmitting, not already locked) when a frame with RSSI ≥ sensitivity starts
// locks onto it. The locked frame is decoded iff, whenever another frame overlaps it after its
// first (preamble − 6) symbols, its power exceeds the sum of the overlapping frames' power by
// ≥ 6 dB. A frame arriving while the receiver is locked or transmitting is never decoded there
// (it only interferes). Profile "meshtasticator" (§Reception profiles): no lock, pairwise 6 dB
// capture among frames at ≥ sensitivity only, and CAD senses a frame for its whole duration.
import { airtimeMs, preambleMs, symbolTimeMs } from "../../core/airtime";
import { noiseFloorDbm, sensitivityDbm } from "../../core/presets";
import { SeededRng, hash32, randExp, shuffledIndices } from "../../core/rng";
import { BROADCAST } from "../../core/station";
import { keyedIdentity } from "../../core/security/key-id";
import type { StationEvent, TxFrame } from "../../core/station";
import { PairTerms, buildLinks } from "../physics/links";
import type { LinkEnvironment, LinkList } from "../physics/links";
import type { FrameClass, MobileStation, RouterFactory } from "../routers/context";
import { InsiderStation, baselineRelay, chooseInsiders, system5Relay } from "../routers/insiders";
import { localProjection } from "../scenario/geo";
import { placeNodes } from "../scenario/placement";
import { chooseRepeaters } from "../scenario/repeaters";
import type { RepeaterChoice } from "../scenario/repeaters";
import type { Scenario } from "../scenario/schema";
import { LimitTracker } from "../limits/tracker";
import { BridgeDriver } from "../internet/driver";
import { internetFigures } from "../internet/figures";
import type { InternetFigures } from "../internet/figures";
import { BreakdownTally } from "./breakdown";
import type { BreakdownRow } from "./breakdown";
import { EventQueue } from "./heap";
import { MessageLog, makePayload, payloadMessageId, quantile } from "./metrics";
import type { RunMetrics } from "./metrics";

/** A frame survives an overlap only with this much more power than the interference (LoRaSim, Bor et al. 2016). */
export const CAPTURE_THRESHOLD_DB = 6;
/** Preamble symbols at the end of the preamble that must be clean for the receiver to lock (FLoRa). */
export const LOCK_SYMBOLS = 6;
/** CAD listens for this many symbols (firmware NUM_SYM_CAD); a preamble younger than that is missed. */
export const CAD_SYMBOLS = 2;
/** CAD detects preambles down to this far below the decode sensitivity (Meshtasticator: 3 dB). */
export const CAD_MARGIN_DB = 3;
/** The exact duty-cycle check's window, ms. */
const HOUR_MS = 3_600_000;

const EV_TX_END = 1;
const EV_WAKE = 2;
const EV_TRAFFIC = 3;
const EV_MOBILITY = 4;
const EV_FAILURES = 5;
const EV_DEGRADE = 6;
const EV_SCRIPTED = 7;
const EV_BRIDGE = 8;

/** A message the caller schedules instead of (or besides) the Poisson traffic: tests, demos. */
export interface ScriptedSend {
  readonly atS: number;
  /** Node indices; dst −1 = broadcast. */
  readonly src: number;
  readonly dst: number;
  readonly wantAck?: boolean;
  readonly priority?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
}

export interface RunOptions {
  readonly scenario: Scenario;
  readonly routerName: string;
  readonly factory: RouterFactory;
  readonly seed: number;
  /** Called with the simulated share done (0..1), about a hundred times a run. */
  readonly onProgress?: (fraction: number) => void;
  /** Extra messages at fixed times (measured like generated traffic when inside the window). */
  readonly script?: readonly ScriptedSend[];
  /** Ids derived from node keys, the secrets handed to the factory (RouterExtras.keyedIds). */
  readonly keyedIds?: boolean;
  /** The node id a frame (as `readable` gives it) is addressed to (RouterExtras.destinationOf), for the dead-destination airtime. */
  readonly destinationOf?: (bytes: Uint8Array) => number | undefined;
  /** The frame as a network member reads it (RouterExtras.readable), for the limit's broadcast count. */
  readonly readable?: (bytes: Uint8Array) => Uint8Array | undefined;
  /**
   * Names each window transmission's frame kind and role for the airtime breakdown
   * (RouterExtras.frameClass, given the frame as `readable` gives it and the sender's id);
   * without it the run has no breakdown.
   */
  readonly frameClass?: (readable: Uint8Array | undefined, sender: number) => FrameClass;
  /**
   * Whether a transmission (the frame as `readable` gives it, the sender's id) is issue 13's
   * control: beacons and location traffic (RouterExtras.ogmLocationKinds). Asked of the window's
   * second half only, for `ogmLocationShareLate`; without it that metric is null.
   */
  readonly ogmLocation?: (readable: Uint8Array | undefined, sender: number) => boolean;
  /** Sees what happens as it happens (the browser view); never changes the run. */
  readonly observer?: SimObserver;
}

/** Hooks for a live view of a run (src/view). Called synchronously; must not touch the stations. */
export interface SimObserver {
  /** Node `node` starts sending `frame`, on the air from `startMs` to `endMs`. */
  txStart?(node: number, frame: TxFrame, startMs: number, endMs: number): void;
  /** A frame node `receiver` was locked on is lost to interference (capture rule). */
  collision?(receiver: number, atMs: number): void;
  /** A message enters the network: its simulator id, source, destination (−1 broadcast). */
  originate?(id: number, src: number, dst: number, atMs: number): void;
  /** Every event a station reports. */
  event?(node: number, e: StationEvent, atMs: number): void;
}

export interface RunResult {
  readonly metrics: RunMetrics;
  /** Node ids, positions and link counts, for reports and tests. */
  readonly nodeIds: readonly number[];
  readonly perNodeAirtimeS: readonly number[];
  readonly meanDegree: number;
  /** Window airtime by frame kind and role (RunOptions.frameClass), most first; undefined without a classifier. */
  readonly breakdown?: readonly BreakdownRow[];
  /** Inter-site figures and the broker's counts when the scenario has an internet. */
  readonly internet?: InternetFigures;
}

export function runSimulation(opts: RunOptions): RunResult {
  return new Simulation(opts).run();
}

export class Simulation {
  readonly s: Scenario;
  readonly n: number;
  readonly stations: MobileStation[] = [];
  readonly ids: number[] = [];
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly heightM: Float64Array;
  readonly indoor: Uint8Array;
  readonly gainDbi: Float64Array;
  readonly alive: Uint8Array;
  #dead = 0;
  links: LinkList[] = [];
  readonly #opts: RunOptions;
  readonly #rng: SeededRng;
  readonly #q = new EventQueue();
  readonly #env: LinkEnvironment;
  readonly #idIndex = new Map<number, number>();
  #degraded = false;
  #pairTerms: PairTerms | undefined;
  #events = 0;
  // Radio constants.
  readonly #sens: number;
  readonly #noise: number;
  readonly #cadDbm: number;
  readonly #graceMs: number;
  readonly #cadMs: number;
  readonly #preambleMs: number;
  // Per-node radio state.
  readonly #txEnd: Float64Array;
  readonly #lockTx: Int32Array;
  /** Nodes whose transmission ended while they were dead: their station still holds it in flight. */
  readonly #cutTx: Uint8Array;
  readonly #lockLost: Uint8Array;
  readonly #lockRssi: Float64Array;
  readonly #lockStart: Float64Array;
  readonly #active: number[][];
  readonly #activeRssi: number[][];
  /** Profile "meshtasticator": each frame on air at a receiver is still decodable there (1) or not (0). */
  readonly #activeOk: number[][];
  readonly #pairwise: boolean;
  readonly #wakeAt: Float64Array;
  readonly #sameInstant: Float64Array;
  readonly #sameCount: Int32Array;
  // Transmissions in flight (pooled by slot).
  #txSender: number[] = [];
  #txStart: number[] = [];
  #txEndAt: number[] = [];
  #txBytes: Uint8Array[] = [];
  #txLinks: LinkList[] = [];
  #freeTx: number[] = [];
  // Measurement.
  readonly #winStart: number;
  readonly #winEnd: number;
  /** Start of the window's second half, where controlShareLate is measured (docs/simulator.md §Metrics). */
  readonly #lateStart: number;
  readonly #endAt: number;
  readonly #breakdown: BreakdownTally | undefined;
  readonly #log = new MessageLog();
  readonly #nodeAirMs: Float64Array;
  readonly #busyUntil: Float64Array;
  readonly #busyMs: Float64Array;
  readonly #dutyStart: number[][];
  readonly #dutyDur: number[][];
  readonly #dutySum: Float64Array;
  readonly #dutyMaxShare: Float64Array;
  readonly #trafficRng: SeededRng[] = [];
  readonly #mobility: { target: Float64Array; pauseUntil: Float64Array; speed: Float64Array; mobile: Uint8Array };
  readonly #m = {
    dataTx: 0,
    controlTx: 0,
    dataAirMs: 0,
    controlAirMs: 0,
    lateControlAirMs: 0,
    lateAirMs: 0,
    lateOgmLocationAirMs: 0,
    dutyViolations: 0,
    dutyRefusals: 0,
    sendRefusals: 0,
    fallbackFloods: 0,
    routeSwitches: 0,
    deadDstAirMs: 0,
    collisions: 0,
    halfDuplexMisses: 0,
    lbtBusy: 0,
  };
  readonly #latencies: number[] = [];
  /** Our unicasts by `sender:destination id:seq`, for the sender's `acked` and `send-failed` events. */
  readonly #bySeq = new Map<string, number>();
  /** The physical limit of every message, and each broadcast's transmissions (src/sim/limits). */
  readonly #limits: LimitTracker;
  /** MeshCore repeaters: the nodes the scenario marks, or the grid rule (scenario/repeaters.ts). */
  readonly repeaters: RepeaterChoice;
  /** 1 for insiders (scenario `insiders`): their traffic, and traffic to them, is not measured. */
  readonly insider: Uint8Array;
  /** 1 for nodes without a GPS fix (scenario `gps`): their router gets no position. */
  readonly noFix: Uint8Array;
  /** Each node's tier name (the sites of the internet report). */
  readonly tiers: readonly string[];
  /** The gateways' internet (scenario `internet`), or undefined. */
  readonly bridge: BridgeDriver | undefined;

  constructor(opts: RunOptions) {
    this.#opts = opts;
    const s = (this.s = opts.scenario);
    this.#rng = new SeededRng(opts.seed >>> 0);
    const placed = placeNodes(s, this.#rng.fork("placement"));
    const n = (this.n = placed.length);
    this.x = Float64Array.from(placed, (p) => p.x);
    this.y = Float64Array.from(placed, (p) => p.y);
    this.heightM = Float64Array.from(placed, (p) => p.heightM);
    this.indoor = Uint8Array.from(placed, (p) => (p.indoor ? 1 : 0));
    this.gainDbi = Float64Array.from(placed, (p) => p.gainDbi);
    this.alive = new Uint8Array(n).fill(1);
    this.repeaters = chooseRepeaters(s, placed);
    this.tiers = placed.map((p) => p.tier);
    const preset = s.radio.preset;
    this.#sens = sensitivityDbm(preset, s.radio.noiseFigureDb);
    this.#noise = noiseFloorDbm(preset.bandwidthHz, s.radio.noiseFigureDb);
    this.#cadDbm = this.#sens - CAD_MARGIN_DB;
    const tsym = symbolTimeMs(preset.sf, preset.bandwidthHz);
    this.#graceMs = Math.max(0, preset.preambleSymbols - LOCK_SYMBOLS) * tsym;
    this.#cadMs = CAD_SYMBOLS * tsym;
    this.#preambleMs = preambleMs(preset);
    this.#limits = new LimitTracker(preset, s.traffic.payloadBytes, this.#sens);
    this.#env = {
      model: s.pathLoss,
      frequencyHz: s.radio.frequencyHz,
      txPowerDbm: s.radio.txPowerDbm,
      floorDbm: this.#sens - CAPTURE_THRESHOLD_DB,
      indoorLossDb: s.indoor.lossDb,
      asymmetryShare: s.asymmetry.share,
      asymmetryMaxDb: s.asymmetry.maxDb,
      degradationShare: s.degradation.share,
      degradationLossDb: s.degradation.lossDb,
      seed: this.#rng.fork("links").nextUint32(),
    };
    this.#txEnd = new Float64Array(n).fill(-Infinity);
    this.#lockTx = new Int32Array(n).fill(-1);
    this.#cutTx = new Uint8Array(n);
    this.#lockLost = new Uint8Array(n);
    this.#lockRssi = new Float64Array(n);
    this.#lockStart = new Float64Array(n);
    this.#active = Array.from({ length: n }, () => []);
    this.#activeRssi = Array.from({ length: n }, () => []);
    this.#activeOk = Array.from({ length: n }, () => []);
    this.#pairwise = s.physics.reception === "meshtasticator";
    this.#wakeAt = new Float64Array(n).fill(Infinity);
    this.#sameInstant = new Float64Array(n).fill(-1);
    this.#sameCount = new Int32Array(n);
    this.#nodeAirMs = new Float64Array(n);
    this.#busyUntil = new Float64Array(n);
    this.#busyMs = new Float64Array(n);
    this.#dutyStart = Array.from({ length: n }, () => []);
    this.#dutyDur = Array.from({ length: n }, () => []);
    this.#dutySum = new Float64Array(n);
    this.#dutyMaxShare = new Float64Array(n);
    this.#winStart = s.timing.warmupS * 1000;
    this.#winEnd = this.#winStart + s.timing.durationS * 1000;
    this.#lateStart = this.#winStart + (s.timing.durationS * 1000) / 2;
    this.#breakdown = opts.frameClass === undefined ? undefined : new BreakdownTally();
    this.#endAt = this.#winEnd + s.timing.drainS * 1000;

    // Node ids: random 32-bit like Meshtastic node numbers (so 1-byte next-hop ids can collide).
    // Or, for a router that binds ids to keys, each id the key id of a secret drawn from the same generator.
    const idRng = this.#rng.fork("ids");
    const secrets: Uint8Array[] = [];
    // Each keyed node's public key, computed once and shared by every node's contacts (routerParams contacts).
    const contactKeys = new Map<number, Uint8Array>();
    for (let i = 0; i < n; i++) {
      let id = 0;
      if (opts.keyedIds === true) {
        const k = keyedIdentity(() => idRng.nextUint32(), (x) => this.#idIndex.has(x));
        id = k.id;
        secrets.push(k.secretKey);
        contactKeys.set(k.id, k.publicKey);
      } else while (id === 0 || id === BROADCAST || this.#idIndex.has(id)) id = idRng.nextUint32();
      this.ids.push(id);
      this.#idIndex.set(id, i);
    }
    const proj = localProjection(s.origin, s.widthM, s.heightM);
    const params = { hopLimit: s.hopLimit, geohashPrecision: s.geohashPrecision, ...(s.routerParams[opts.routerName] ?? {}) };
    const stationRng = this.#rng.fork(`stations:${opts.routerName}`);
    // Insiders from a generator of their own (not forked from the run's, which would shift every
    // later stream): a scenario and its honest twin get the same network, traffic and station
    // generators; only the insiders' relaying differs.
    this.insider = new Uint8Array(n);
    const insiderRng = new SeededRng(hash32(`insiders:${opts.seed >>> 0}`));
    const kinds = s.insiders.share > 0 ? chooseInsiders(n, s.insiders.share, s.insiders.kinds, insiderRng, s.insiders.nodes) : [];
    this.noFix = chooseNoFix(n, s.gps, opts.seed);
    // Only System 5 has metrics to lie with; for the baselines a liar is a black hole.
    const system5 = opts.routerName.startsWith("system5");
    const gateways = new Map(s.internet?.links.map((l) => [l.node, l.clusters]) ?? []);
    for (let i = 0; i < n; i++) {
      const kind = kinds[i];
      let wrapped = false;
      const insider =
        kind === undefined
          ? undefined
          : (st: MobileStation): MobileStation => {
              wrapped = true;
              return new InsiderStation(st, { kind, rng: insiderRng.fork(i), classify: system5 ? system5Relay : baselineRelay, canLie: system5 });
            };
      if (insider !== undefined) this.insider[i] = 1;
      const station = opts.factory({
        id: this.ids[i],
        secretKey: secrets[i],
        rng: stationRng.fork(i),
        now: 0,
        preset,
        region: s.radio.region,
        frequencyHz: s.radio.frequencyHz,
        position: this.noFix[i] ? undefined : proj.toGeo(this.x[i], this.y[i]),
        role: placed[i].role,
        repeater: this.repeaters.repeater[i] === 1,
        contacts: this.ids,
        contactKeys: opts.keyedIds === true ? contactKeys : undefined,
        battery: placed[i].battery,
        params,
        insider,
        gateway: gateways.has(i),
        gatewayClusters: gateways.get(i),
      });
      this.stations.push(insider !== undefined && !wrapped ? insider(station) : station);
    }
    const mob = this.#rng.fork("mobility");
    this.#mobility = {
      target: new Float64Array(2 * n),
      pauseUntil: new Float64Array(n),
      speed: new Float64Array(n),
      mobile: Uint8Array.from({ length: n }, () => (mob.next() < s.mobility.share ? 1 : 0)),
    };
    for (let i = 0; i < n; i++) {
      if (!this.#mobility.mobile[i]) continue;
      this.#mobility.speed[i] = s.mobility.speedMps[0] + mob.next() * (s.mobility.speedMps[1] - s.mobility.speedMps[0]);
      this.#mobility.target[2 * i] = mob.next() * s.widthM;
      this.#mobility.target[2 * i + 1] = mob.next() * s.heightM;
    }
    this.#mobRng = mob;
    const traffic = this.#rng.fork("traffic");
    for (let i = 0; i < n; i++) this.#trafficRng.push(traffic.fork(i));
    this.bridge =
      s.internet === undefined
        ? undefined
        : new BridgeDriver(s.internet, opts.seed, this.stations, this.ids, (at, k) => this.#q.push(at, EV_BRIDGE, k), (t) => this.#inWindow(t));
  }

  #mobRng: SeededRng;

  /** Runs to the end of the drain period and returns the measurements. */
  run(): RunResult {
    this.start();
    this.advance(this.#endAt);
    return this.#results();
  }

  #started = false;
  #now = 0;
  #lastReport = 0;

  /** Simulated time reached, ms. */
  get now(): number {
    return this.#now;
  }

  /** End of the drain: when the run's measurements are final, ms. */
  get endMs(): number {
    return this.#endAt;
  }

  /** Sets up links, traffic and world events (run() does it; a stepped run calls it once). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const s = this.s;
    if (s.mobility.share > 0 && PairTerms.fits(this.n)) this.#pairTerms = new PairTerms(this.n);
    this.#rebuildLinks();
    this.bridge?.start();
    for (let i = 0; i < this.n; i++) {
      this.#q.push(randExp(this.#trafficRng[i], s.traffic.messagePeriodS * 1000), EV_TRAFFIC, i);
      this.#service(i, 0);
    }
    if (s.mobility.share > 0) this.#q.push(s.mobility.stepS * 1000, EV_MOBILITY, 0);
    if (s.failures.share > 0) this.#q.push(s.failures.atS * 1000, EV_FAILURES, 0);
    if (s.degradation.share > 0) this.#q.push(s.degradation.atS * 1000, EV_DEGRADE, 0);
    (this.#opts.script ?? []).forEach((m, k) => this.#q.push(m.atS * 1000, EV_SCRIPTED, k));
  }

  /**
   * Processes every event up to `untilMs` (capped at the end of the drain); returns whether the
   * run has more to do. run() is start() + advance(end): stepping changes nothing in the results.
   */
  advance(untilMs: number): boolean {
    const s = this.s;
    const q = this.#q;
    const until = Math.min(untilMs, this.#endAt);
    const progressStep = this.#endAt / 100;
    while (q.peekTime() <= until && q.pop()) {
      const t = q.time;
      this.#now = t;
      this.#events++;
      switch (q.type) {
        case EV_TX_END:
          this.#txEnded(q.arg, t);
          break;
        case EV_WAKE: {
          const i = q.arg;
          if (this.#wakeAt[i] !== t) break; // superseded
          this.#wakeAt[i] = Infinity;
          this.#service(i, t);
          break;
        }
        case EV_TRAFFIC:
          this.#generate(q.arg, t);
          break;
        case EV_SCRIPTED: {
          const m = (this.#opts.script ?? [])[q.arg];
          this.#originate(m.src, m.dst, t, m.priority ?? 3, m.wantAck ?? (m.dst >= 0 && s.traffic.unicastWantAck));
          break;
        }
        case EV_MOBILITY:
          this.#move(t);
          break;
        case EV_FAILURES:
          this.#fail(t);
          break;
        case EV_BRIDGE: {
          const i = this.bridge?.fire(q.arg, t, this.alive);
          if (i !== undefined) this.#service(i, t);
          break;
        }
        case EV_DEGRADE:
          this.#degraded = true;
          if (this.#pairTerms) this.#pairTerms = new PairTerms(this.n);
          this.#rebuildLinks();
          break;
      }
      if (this.#opts.onProgress && t - this.#lastReport >= progressStep) {
        this.#lastReport = t;
        this.#opts.onProgress(Math.min(1, t / this.#endAt));
      }
    }
    this.#now = Math.max(this.#now, until);
    return until < this.#endAt;
  }

  /** The measurements so far (final once advance() has reached endMs). */
  results(): RunResult {
    return this.#results();
  }

  /** Switches a node off now (as a failure): it stops sending and receiving. */
  kill(i: number): void {
    if (!this.alive[i]) return;
    this.alive[i] = 0;
    this.#lockTx[i] = -1;
    this.#log.onNodeFailed(i);
    this.#rebuildLinks();
  }

  /** Switches a killed node back on, with the state it had. */
  revive(i: number): void {
    if (this.alive[i]) return;
    this.alive[i] = 1;
    // Killed in the middle of a transmission: the frame never finished for it, so its station
    // takes it back as not sent (the queue retries it), else it would wait for it forever.
    if (this.#cutTx[i]) {
      this.#cutTx[i] = 0;
      this.stations[i].transmitDone(this.#now, "busy");
    }
    this.#rebuildLinks();
    this.#service(i, this.#now);
  }

  /** The message log (read-only use: per-message reports such as the internet's, report/internet.ts). */
  get messages(): MessageLog {
    return this.#log;
  }

  /** Sends a message from node `src` to node `dst` (−1: broadcast) now, as generated traffic would. */
  send(src: number, dst: number, wantAck = dst >= 0): void {
    this.#originate(src, dst, this.#now, 3, wantAck);
  }

  #rebuildLinks(): void {
    this.links = buildLinks(this.#env, this, this.n, this.alive, this.#degraded, this.#pairTerms);
  }

  // ---- radio medium -----------------------------------------------------------------------

  #startTx(i: number, f: TxFrame, now: number): void {
    const air = airtimeMs(this.s.radio.preset, f.bytes.length);
    const end = now + air;
    const t = this.#freeTx.length > 0 ? (this.#freeTx.pop() as number) : this.#txSender.length;
    const links = this.links[i];
    this.#txSender[t] = i;
    this.#txStart[t] = now;
    this.#txEndAt[t] = end;
    this.#txBytes[t] = f.bytes;
    this.#txLinks[t] = links;
    this.#txEnd[i] = end;
    if (this.#lockTx[i] >= 0) {
      // Listen-before-talk should prevent this; a radio that transmits drops what it was receiving.
      this.#lockTx[i] = -1;
    }
    if (this.#pairwise) this.#activeOk[i].fill(0);
    // Opened once per transmission (a sealed frame costs a decryption) for both readers below.
    const readable = this.#opts.readable === undefined ? f.bytes : this.#opts.readable(f.bytes);
    this.#account(i, f, now, air, readable);
    if (readable !== undefined) this.#limits.onTransmit(readable);
    this.#opts.observer?.txStart?.(i, f, now, end);
    for (let k = 0; k < links.count; k++) this.#frameStart(links.to[k], t, links.rssi[k], now, end);
    this.#q.push(end, EV_TX_END, t, true);
  }

  #frameStart(r: number, t: number, rssi: number, start: number, end: number): void {
    if (!this.alive[r]) return;
    if (this.#pairwise) return this.#frameStartPairwise(r, t, rssi, start, end);
    this.#active[r].push(t);
    this.#activeRssi[r].push(rssi);
    if (rssi >= this.#sens) this.#markBusy(r, start, end);
    // Counters, like the TX counts, only for frames that start in the measurement window.
    const counted = this.#inWindow(start) ? 1 : 0;
    if (this.#txEnd[r] > start) {
      if (rssi >= this.#sens) this.#m.halfDuplexMisses += counted;
      return;
    }
    if (this.#lockTx[r] >= 0) {
      // A decodable frame arriving at a receiver locked on another is lost there: a collision
      // (as Meshtasticator and LoRaSim count it), besides what it does to the locked frame.
      if (rssi >= this.#sens) this.#m.collisions += counted;
      if (!this.#lockLost[r] && end > this.#lockStart[r] + this.#graceMs && !this.#captures(r)) {
        this.#lockLost[r] = 1;
        this.#m.collisions += counted;
        this.#opts.observer?.collision?.(r, start);
      }
      return;
    }
    if (rssi < this.#sens) return;
    this.#lockTx[r] = t;
    this.#lockRssi[r] = rssi;
    this.#lockStart[r] = start;
    this.#lockLost[r] = 0;
    if (!this.#captures(r)) {
      this.#lockLost[r] = 1;
      this.#m.collisions += counted;
      this.#opts.observer?.collision?.(r, start);
    }
  }

  /**
   * Profile "meshtasticator" (LoRaSim's rule as Meshtasticator applies it): frames below the CAD
   * threshold do not exist for the receiver, frames below sensitivity are only sensed, and every
   * pair of decodable frames overlapping past the first's lock window is judged alone: a frame
   * 6 dB stronger than the other survives it, whichever came first; closer than that, both are lost.
   */
  #frameStartPairwise(r: number, t: number, rssi: number, start: number, end: number): void {
    if (rssi < this.#cadDbm) return;
    const act = this.#active[r];
    const rs = this.#activeRssi[r];
    const ok = this.#activeOk[r];
    const counted = this.#inWindow(start) ? 1 : 0;
    let mine = rssi >= this.#sens ? 1 : 0;
    if (mine) this.#markBusy(r, start, end);
    if (mine && this.#txEnd[r] > start) {
      this.#m.halfDuplexMisses += counted;
      mine = 0;
    }
    if (rssi >= this.#sens) {
      for (let k = 0; k < act.length; k++) {
        if (rs[k] < this.#sens) continue;
        const other = act[k];
        if (mine && this.#txEndAt[other] > start + this.#graceMs && rs[k] > rssi - CAPTURE_THRESHOLD_DB) {
          mine = 0;
          this.#m.collisions += counted;
        }
        if (ok[k] && end > this.#txStart[other] + this.#graceMs && rssi > rs[k] - CAPTURE_THRESHOLD_DB) {
          ok[k] = 0;
          this.#m.collisions += counted;
        }
      }
    }
    act.push(t);
    rs.push(rssi);
    ok.push(mine);
  }

  /** Whether the locked frame at r beats the summed power of everything else overlapping it. */
  #captures(r: number): boolean {
    const locked = this.#lockTx[r];
    const after = this.#lockStart[r] + this.#graceMs;
    const act = this.#active[r];
    const rs = this.#activeRssi[r];
    let mw = 0;
    for (let k = 0; k < act.length; k++) {
      const t = act[k];
      if (t === locked || this.#txEndAt[t] <= after) continue;
      mw += 10 ** (rs[k] / 10);
    }
    return mw === 0 || this.#lockRssi[r] - 10 * Math.log10(mw) >= CAPTURE_THRESHOLD_DB;
  }

  #txEnded(t: number, now: number): void {
    const i = this.#txSender[t];
    const links = this.#txLinks[t];
    const bytes = this.#txBytes[t];
    const delivered: number[] = [];
    const rssis: number[] = [];
    for (let k = 0; k < links.count; k++) {
      const r = links.to[k];
      const act = this.#active[r];
      const idx = act.indexOf(t);
      if (idx < 0) continue;
      const last = act.length - 1;
      act[idx] = act[last];
      act.pop();
      const rs = this.#activeRssi[r];
      rs[idx] = rs[last];
      rs.pop();
      if (this.#pairwise) {
        const ok = this.#activeOk[r];
        const decoded = ok[idx];
        ok[idx] = ok[last];
        ok.pop();
        if (decoded && this.alive[r]) {
          delivered.push(r);
          rssis.push(links.rssi[k]);
        }
      } else if (this.#lockTx[r] === t) {
        this.#lockTx[r] = -1;
        if (!this.#lockLost[r] && this.alive[r]) {
          delivered.push(r);
          rssis.push(links.rssi[k]);
        }
      }
    }
    this.#freeTx.push(t);
    if (this.alive[i]) {
      this.stations[i].transmitDone(now, "sent");
    } else {
      // Killed on the air: a powered-off radio never finishes its frame, so nobody decodes it (it
      // interfered until now all the same), and a revived node sends it again (revive()).
      this.#cutTx[i] = 1;
      delivered.length = 0;
    }
    for (let k = 0; k < delivered.length; k++) {
      const r = delivered[k];
      this.stations[r].receive(bytes.slice(), { rssi: rssis[k], snr: rssis[k] - this.#noise, at: now });
    }
    this.#service(i, now);
    for (const r of delivered) this.#service(r, now);
  }

  /** Listen-before-talk: receiving a frame, or CAD senses a preamble old enough to detect. */
  #channelBusy(i: number, now: number): boolean {
    if (this.#pairwise) {
      // Meshtasticator: CAD senses a frame at ≥ S − 3 dB from CAD time after its start to its end.
      const act = this.#active[i];
      for (let k = 0; k < act.length; k++) if (now >= this.#txStart[act[k]] + this.#cadMs) return true;
      return false;
    }
    // The radio reports "receiving" once it has detected the preamble: after the CAD time.
    if (this.#lockTx[i] >= 0 && now >= this.#lockStart[i] + this.#cadMs) return true;
    const act = this.#active[i];
    const rs = this.#activeRssi[i];
    for (let k = 0; k < act.length; k++) {
      if (rs[k] < this.#cadDbm) continue;
      const st = this.#txStart[act[k]];
      if (now >= st + this.#cadMs && now < st + this.#preambleMs) return true;
    }
    return false;
  }

  // ---- driving the stations ---------------------------------------------------------------

  #service(i: number, now: number): void {
    if (!this.alive[i]) return;
    const st = this.stations[i];
    if (st.nextWakeup() <= now) st.tick(now);
    const transmitting = this.#txEnd[i] > now;
    if (!transmitting) {
      const f = st.pollTransmit(now);
      if (f) {
        if (this.#channelBusy(i, now)) {
          if (this.#inWindow(now)) this.#m.lbtBusy++;
          st.transmitDone(now, "busy");
        } else {
          this.#startTx(i, f, now);
        }
      }
    }
    this.bridge?.afterService(i, now);
    this.#drain(i, now);
    let w = st.nextWakeup();
    if (w === Infinity) return;
    if (this.#txEnd[i] > now && w <= this.#txEnd[i]) return; // the end of our TX services us
    if (w <= now) {
      // Guard against a station that keeps asking for "now": after a few rounds, 1 ms later.
      if (this.#sameInstant[i] === now) {
        if (++this.#sameCount[i] > 8) w = now + 1;
      } else {
        this.#sameInstant[i] = now;
        this.#sameCount[i] = 0;
      }
      w = Math.max(w, now);
    }
    if (w < this.#wakeAt[i] || this.#wakeAt[i] < now) {
      this.#wakeAt[i] = w;
      this.#q.push(w, EV_WAKE, i);
    }
  }

  #drain(i: number, now: number): void {
    const evs: StationEvent[] = this.stations[i].drainEvents();
    const obs = this.#opts.observer;
    for (const e of evs) {
      obs?.event?.(i, e, now);
      switch (e.type) {
        case "delivered": {
          const id = payloadMessageId(e.payload);
          if (this.insider[i]) break; // what reaches insiders is not measured
          if (id >= 0 && this.#log.onDelivered(id, i, now, this.n) && this.#log.measured[id] && !this.#log.excluded[id]) {
            this.#latencies.push((now - this.#log.sentAt[id]) / 1000);
          }
          break;
        }
        case "acked": {
          const id = this.#bySeq.get(`${i}:${e.dst}:${e.seq}`);
          if (id !== undefined) this.#log.acked[id] = true;
          break;
        }
        case "send-failed": {
          if (e.code === "duty-cycle") this.#m.dutyRefusals++;
          const id = this.#bySeq.get(`${i}:${e.dst}:${e.seq}`);
          if (id !== undefined) this.#log.reportedFailed[id] = true;
          break;
        }
        case "fallback-flood":
          if (this.#inWindow(now)) this.#m.fallbackFloods++;
          break;
        case "route-changed":
          if (this.#inWindow(now)) this.#m.routeSwitches++;
          break;
        default:
          break;
      }
    }
  }

  #inWindow(t: number): boolean {
    return t >= this.#winStart && t < this.#winEnd;
  }

  // ---- traffic ----------------------------------------------------------------------------

  #generate(i: number, now: number): void {
    const s = this.s;
    const rng = this.#trafficRng[i];
    const next = now + randExp(rng, s.traffic.messagePeriodS * 1000);
    if (next < this.#winEnd) this.#q.push(next, EV_TRAFFIC, i);
    if (!this.alive[i]) return;
    const broadcast = rng.next() < s.traffic.broadcastShare;
    let dst = -1;
    if (!broadcast) {
      // Any other node: a device does not know that its destination died, and sends anyway.
      for (let tries = 0; tries < 100 && (dst < 0 || dst === i); tries++) dst = Math.floor(rng.next() * this.n);
      if (dst < 0 || dst === i) return;
    }
    this.#originate(i, dst, now, pickPriority(s.traffic.priorities, rng.next()), dst >= 0 && s.traffic.unicastWantAck);
  }

  #originate(i: number, dst: number, now: number, priority: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7, wantAck: boolean): void {
    if (!this.alive[i]) return;
    const s = this.s;
    // Broadcast coverage counts live honest nodes; a message from or to an insider is not measured.
    let live = 0;
    for (let k = 0; k < this.n; k++) if (!this.insider[k]) live += this.alive[k];
    const measured = this.#inWindow(now);
    const id = this.#log.add(i, dst, now, measured, live - 1);
    if (this.insider[i] || (dst >= 0 && this.insider[dst])) this.#log.excluded[id] = true;
    if (dst >= 0 && !this.alive[dst]) this.#log.deadDst[id] = true;
    this.#limits.onMessage(id, i, dst, wantAck, this, live - 1, (v) => !this.insider[v]);
    this.#opts.observer?.originate?.(id, i, dst, now);
    const result = this.stations[i].send(now, dst < 0 ? BROADCAST : this.ids[dst], makePayload(id, s.traffic.payloadBytes), {
      priority,
      wantAck,
    });
    if (result.ok && dst >= 0 && wantAck) {
      this.#bySeq.set(`${i}:${this.ids[dst]}:${result.seq}`, id);
      this.#log.wantAck[id] = true;
    }
    if (!result.ok) {
      if (measured) {
        this.#m.sendRefusals++;
        if (result.code === "duty-cycle") this.#m.dutyRefusals++;
      }
    }
    this.#service(i, now);
  }

  // ---- world changes ----------------------------------------------------------------------

  #move(now: number): void {
    const s = this.s;
    const m = this.#mobility;
    const dt = s.mobility.stepS;
    const proj = localProjection(s.origin, s.widthM, s.heightM);
    for (let i = 0; i < this.n; i++) {
      if (!m.mobile[i] || !this.alive[i]) continue;
      if (s.mobility.model === "convoy") {
        // Along the long axis at the node's own speed, wrapping at the end of the road.
        if (s.widthM >= s.heightM) this.x[i] = (this.x[i] + m.speed[i] * dt) % s.widthM;
        else this.y[i] = (this.y[i] + m.speed[i] * dt) % s.heightM;
      } else {
        if (now < m.pauseUntil[i]) continue;
        const tx = m.target[2 * i];
        const ty = m.target[2 * i + 1];
        const dx = tx - this.x[i];
        const dy = ty - this.y[i];
        const d = Math.hypot(dx, dy);
        const step = m.speed[i] * dt;
        if (d <= step) {
          this.x[i] = tx;
          this.y[i] = ty;
          const r = this.#mobRng;
          m.pauseUntil[i] = now + 1000 * (s.mobility.pauseS[0] + r.next() * (s.mobility.pauseS[1] - s.mobility.pauseS[0]));
          m.target[2 * i] = r.next() * s.widthM;
          m.target[2 * i + 1] = r.next() * s.heightM;
          m.speed[i] = s.mobility.speedMps[0] + r.next() * (s.mobility.speedMps[1] - s.mobility.speedMps[0]);
        } else {
          this.x[i] += (dx / d) * step;
          this.y[i] += (dy / d) * step;
        }
      }
      if (!this.noFix[i]) this.stations[i].setPosition?.(now, proj.toGeo(this.x[i], this.y[i]));
      this.#service(i, now);
    }
    this.#rebuildLinks();
    if (now + dt * 1000 <= this.#endAt) this.#q.push(now + dt * 1000, EV_MOBILITY, 0);
  }

  #fail(now: number): void {
    const order = shuffledIndices(this.#rng.fork("failures"), this.n);
    const k = Math.round(this.s.failures.share * this.n);
    for (const i of order.slice(0, k)) {
      if (this.alive[i]) this.#dead++;
      this.alive[i] = 0;
      this.#lockTx[i] = -1;
      this.#log.onNodeFailed(i);
    }
    this.#rebuildLinks();
    void now;
  }

  // ---- accounting -------------------------------------------------------------------------

  #account(i: number, f: TxFrame, now: number, air: number, readable: Uint8Array | undefined): void {
    if (this.#inWindow(now)) {
      if (f.kind === "control") {
        this.#m.controlTx++;
        this.#m.controlAirMs += air;
      } else {
        this.#m.dataTx++;
        this.#m.dataAirMs += air;
      }
      if (now >= this.#lateStart) {
        this.#m.lateAirMs += air;
        if (f.kind === "control") this.#m.lateControlAirMs += air;
        if (this.#opts.ogmLocation?.(readable, this.ids[i]) === true) this.#m.lateOgmLocationAirMs += air;
      }
      const classify = this.#opts.frameClass;
      if (this.#breakdown !== undefined && classify !== undefined) this.#breakdown.add(classify(readable, this.ids[i]), air);
      this.#nodeAirMs[i] += air;
      if (this.#dead > 0 && this.#opts.destinationOf !== undefined && readable !== undefined) {
        const to = this.#idIndex.get(this.#opts.destinationOf(readable) ?? -1);
        if (to !== undefined && !this.alive[to]) this.#m.deadDstAirMs += air;
      }
    }
    this.#markBusy(i, now, now + air);
    // Exact rolling-hour airtime ending at this frame's end: the busiest window ends at a TX end.
    const starts = this.#dutyStart[i];
    const durs = this.#dutyDur[i];
    starts.push(now);
    durs.push(air);
    this.#dutySum[i] += air;
    const end = now + air;
    const from = end - HOUR_MS;
    while (starts.length > 0 && starts[0] + durs[0] <= from) {
      this.#dutySum[i] -= durs[0];
      starts.shift();
      durs.shift();
    }
    const clipped = starts.length > 0 && starts[0] < from ? from - starts[0] : 0;
    const used = this.#dutySum[i] - clipped;
    const share = used / HOUR_MS;
    if (share > this.#dutyMaxShare[i]) this.#dutyMaxShare[i] = share;
    if (used > this.s.radio.dutyCycle * HOUR_MS + 1e-6) this.#m.dutyViolations++;
  }

  /** Channel-busy time at node i (own TX or a decodable-strength frame), union of intervals, in the window. */
  #markBusy(i: number, start: number, end: number): void {
    const s = Math.max(start, this.#busyUntil[i], this.#winStart);
    const e = Math.min(end, this.#winEnd);
    if (e > s) this.#busyMs[i] += e - s;
    if (end > this.#busyUntil[i]) this.#busyUntil[i] = end;
  }

  #results(): RunResult {
    const log = this.#log;
    let uniSent = 0;
    let uniDelivered = 0;
    let uniSentDead = 0;
    let uniAckable = 0;
    let uniAcked = 0;
    let falseFailures = 0;
    let bcSent = 0;
    let coverage = 0;
    for (let k = 0; k < log.src.length; k++) {
      if (!log.measured[k] || log.excluded[k]) continue;
      if (log.dst[k] >= 0) {
        uniSent++;
        if (log.deadDst[k]) uniSentDead++;
        if (!Number.isNaN(log.deliveredAt[k])) {
          uniDelivered++;
          if (log.wantAck[k]) uniAckable++;
          if (log.acked[k]) uniAcked++;
          if (log.reportedFailed[k]) falseFailures++;
        }
      } else {
        bcSent++;
        coverage += log.eligible[k] > 0 ? log.reachedCount[k] / log.eligible[k] : 0;
      }
    }
    const m = this.#m;
    const totalAirMs = m.dataAirMs + m.controlAirMs;
    const delivered = uniDelivered + coverage;
    const lat = [...this.#latencies].sort((a, b) => a - b);
    const winMs = this.#winEnd - this.#winStart;
    let airSum = 0;
    let airMax = 0;
    let busy = 0;
    let dutyMax = 0;
    for (let i = 0; i < this.n; i++) {
      airSum += this.#nodeAirMs[i];
      airMax = Math.max(airMax, this.#nodeAirMs[i]);
      busy += this.#busyMs[i] / winMs;
      dutyMax = Math.max(dutyMax, this.#dutyMaxShare[i]);
    }
    let degree = 0;
    for (const l of this.links) for (let k = 0; k < l.count; k++) if (l.rssi[k] >= this.#sens) degree++;
    const limit = this.#limits.figures({ counted: (id) => log.measured[id] && !log.excluded[id], isBroadcast: (id) => log.dst[id] < 0 });
    const airPerDelivered = delivered > 0 ? totalAirMs / 1000 / delivered : null;
    const metrics: RunMetrics = {
      unicastSent: uniSent,
      unicastDelivered: uniDelivered,
      unicastDelivery: uniSent > 0 ? uniDelivered / uniSent : null,
      // Delivered unicasts all went to live nodes: a message counts as to a dead node only when
      // its destination died before it arrived.
      unicastDeliveryLive: uniSent - uniSentDead > 0 ? uniDelivered / (uniSent - uniSentDead) : null,
      unicastSentDead: uniSentDead,
      broadcastSent: bcSent,
      broadcastCoverage: bcSent > 0 ? coverage / bcSent : null,
      dataTx: m.dataTx,
      controlTx: m.controlTx,
      totalTx: m.dataTx + m.controlTx,
      dataAirtimeS: m.dataAirMs / 1000,
      controlAirtimeS: m.controlAirMs / 1000,
      totalAirtimeS: totalAirMs / 1000,
      deliveredMessages: delivered,
      airtimePerDeliveredS: airPerDelivered,
      deadDstAirtimeS: this.#opts.destinationOf !== undefined ? m.deadDstAirMs / 1000 : null,
      ...limit,
      airtimeVsLimit: airPerDelivered !== null && limit.limitAirtimePerMessageS ? airPerDelivered / limit.limitAirtimePerMessageS : null,
      broadcastTxVsLimit: limit.broadcastTxPerMessage !== null && limit.limitBroadcastTx ? limit.broadcastTxPerMessage / limit.limitBroadcastTx : null,
      meanNodeAirtimeS: airSum / this.n / 1000,
      maxNodeAirtimeS: airMax / 1000,
      maxNodeDutyShare: dutyMax,
      channelUtilisation: busy / this.n,
      controlShare: totalAirMs > 0 ? m.controlAirMs / totalAirMs : null,
      controlShareLate: m.lateAirMs > 0 ? m.lateControlAirMs / m.lateAirMs : null,
      ogmLocationShareLate: m.lateAirMs > 0 && this.#opts.ogmLocation !== undefined ? m.lateOgmLocationAirMs / m.lateAirMs : null,
      latencyP50S: quantile(lat, 0.5),
      latencyP95S: quantile(lat, 0.95),
      dutyCycleViolations: m.dutyViolations,
      dutyCycleRefusals: m.dutyRefusals,
      sendRefusals: m.sendRefusals,
      fallbackFloods: m.fallbackFloods,
      routeSwitches: m.routeSwitches,
      meshcoreRepeaters: this.#opts.routerName.startsWith("meshcore") ? this.repeaters.count : null,
      collisions: m.collisions,
      halfDuplexMisses: m.halfDuplexMisses,
      lbtBusy: m.lbtBusy,
      events: this.#events,
      unicastAcked: uniAckable > 0 ? uniAcked / uniAckable : null,
      falseFailures,
    };
    return {
      metrics,
      nodeIds: this.ids,
      perNodeAirtimeS: Array.from(this.#nodeAirMs, (v) => v / 1000),
      meanDegree: degree / this.n,
      ...(this.#breakdown ? { breakdown: this.#breakdown.rows() } : {}),
      ...(this.bridge && this.s.internet
        ? { internet: internetFigures(this.s.internet, log, this.tiers, { startS: this.#winStart / 1000, endS: this.#winEnd / 1000 }, this.bridge.figures()) }
        : {}),
    };
  }
}

/**
 * Nodes without a GPS fix: the listed ones, or round(share · n) by a shuffle from a generator of
 * their own (seeded from the run seed alone), so nothing else in the run changes.
 */
export function chooseNoFix(n: number, gps: Scenario["gps"], seed: number): Uint8Array {
  const out = new Uint8Array(n);
  if (gps.noFix !== undefined) {
    for (const i of gps.noFix) out[i] = 1;
    return out;
  }
  const k = Math.round(gps.noFixShare * n);
  if (k === 0) return out;
  const order = shuffledIndices(new SeededRng(hash32(`nofix:${seed >>> 0}`)), n);
  for (let m = 0; m < k; m++) out[order[m]] = 1;
  return out;
}

function pickPriority(weights: readonly number[], u: number): 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 {
  let total = 0;
  for (const w of weights) total += w;
  let acc = 0;
  for (let p = 0; p < weights.length; p++) {
    acc += weights[p] / total;
    if (u < acc) return p as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
  }
  return 3;
}
