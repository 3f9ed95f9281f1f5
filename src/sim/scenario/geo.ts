// Local projection from scenario metres to latitude/longitude around the scenario origin (the
// geographic point at the centre of the area). Equirectangular: exact enough over the ≤ 100 km
// areas simulated (error well under a geohash cell), and the same one every run.

const METRES_PER_DEGREE_LAT = 111_320;

export interface Projection {
  toGeo(x: number, y: number): { lat: number; lon: number };
  /** The inverse: scenario metres of a geographic point (the view draws geohash cells with it). */
  toLocal(lat: number, lon: number): { x: number; y: number };
}

export function localProjection(origin: { lat: number; lon: number }, widthM: number, heightM: number): Projection {
  const perLon = METRES_PER_DEGREE_LAT * Math.cos((origin.lat * Math.PI) / 180);
  return {
    toGeo(x: number, y: number) {
      return { lat: origin.lat + (y - heightM / 2) / METRES_PER_DEGREE_LAT, lon: origin.lon + (x - widthM / 2) / perLon };
    },
    toLocal(lat: number, lon: number) {
      return { x: (lon - origin.lon) * perLon + widthM / 2, y: (lat - origin.lat) * METRES_PER_DEGREE_LAT + heightM / 2 };
    },
  };
}
