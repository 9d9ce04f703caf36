/**
 * Session locations from a MaxMind database (GEOIP_DB: a GeoLite2/GeoIP2 City or Country .mmdb
 * file). Looked up once, when a session starts; private and unknown addresses give null.
 */
import { readFileSync } from 'node:fs';
import { Reader, type CityResponse } from 'maxmind';

export interface Location {
  country: string | null;
  city: string | null;
}

export interface GeoIp {
  lookup(ip: string | null): Location | null;
}

export const noGeoIp: GeoIp = { lookup: () => null };

export function openGeoIp(path: string): GeoIp {
  const reader = new Reader<CityResponse>(readFileSync(path));
  return {
    lookup(ip) {
      if (!ip) return null;
      let record: CityResponse | null;
      try {
        record = reader.get(ip);
      } catch {
        return null; // not an IP address the database understands
      }
      if (!record) return null;
      const country = record.country?.iso_code ?? record.registered_country?.iso_code ?? null;
      const city = record.city?.names?.en ?? null;
      return country || city ? { country, city } : null;
    },
  };
}
